package importer_test

import (
	"fmt"
	"strings"

	"github.com/truce-project/truce"
	"github.com/truce-project/truce/importer"
)

// Rows from the WRI Global Power Plant Database v1.3.0 (CC BY 4.0).
const registry = `country,name,latitude,longitude,capacity_mw,primary_fuel,gppd_idnr
UKR,Burshtyn power station,49.2104,24.6665,2334,Coal,WRI1005097
UKR,Khmelnytska,50.3024,26.6473,2000,Nuclear,WRI1005111
RUS,Balakovo NPP,52.0928,47.9539,4000,Nuclear,WRI1023915
`

func ExampleRead() {
	res, err := importer.Read(strings.NewReader(registry), "gppd", importer.Options{
		Controllers: map[string]string{"UKR": "ua"},
	})
	if err != nil {
		fmt.Println(truce.ErrorMessage(err))
		return
	}
	for _, s := range res.Sites {
		fmt.Println(s.ID, s.Category, s.Controller, s.Attributes["capacity_mw"])
	}
	fmt.Println(strings.Join(res.Summary(), "\n"))
	// Output:
	// gppd:WRI1005097 energy.generation.thermal ua 2334
	// gppd:WRI1005111 energy.generation.nuclear ua 2000
	// 1 skipped: country RUS maps to no party
}

// A bad row fails the whole file, naming the line.
func ExampleRead_badRow() {
	bad := strings.Replace(registry, "50.3024", "150.3024", 1)
	_, err := importer.Read(strings.NewReader(bad), "gppd", importer.Options{
		Controllers: map[string]string{"UKR": "ua", "RUS": "ru"},
	})
	fmt.Println(truce.ErrorCode(err), truce.ErrorMessage(err))
	// Output:
	// invalid line 3: latitude 150.3024 is outside [-90, 90].
}

func ExampleFormats() {
	for _, f := range importer.Formats()[:3] {
		fmt.Printf("%-12s %s\n", f.Name, f.Description)
	}
	// Output:
	// gppd         WRI Global Power Plant Database CSV (gppd_idnr, primary_fuel, ...)
	// geonuclear   GeoNuclearData reactors CSV (Id, Name, Status, ReactorType, Capacity, ...)
	// csv          CSV with a column mapping (Options: IDColumn, NameColumn, LatColumn, ...)
}
