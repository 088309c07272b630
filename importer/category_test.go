package importer

import (
	"testing"

	"github.com/paulmach/osm"
	"github.com/truce-project/truce"
)

func tags(kv ...string) osm.Tags {
	var t osm.Tags
	for i := 0; i+1 < len(kv); i += 2 {
		t = append(t, osm.Tag{Key: kv[i], Value: kv[i+1]})
	}
	return t
}

func TestOSMCategory(t *testing.T) {
	for _, tc := range []struct {
		name string
		tags osm.Tags
		want truce.Category
	}{
		{"untagged", nil, ""},
		{"nuclear plant", tags("power", "plant", "plant:source", "nuclear"), nuclear},
		{"hydro plant", tags("power", "plant", "plant:source", "hydro"), hydro},
		{"coal plant", tags("power", "plant", "plant:source", "coal"), thermal},
		{"gas and oil plant", tags("power", "plant", "plant:source", "gas;oil"), thermal},
		{"biomass then gas", tags("power", "plant", "plant:source", "biomass;gas"), thermal},
		{"solar generator", tags("power", "generator", "generator:source", "solar"), solar},
		{"wind generator", tags("power", "generator", "generator:source", "wind"), wind},
		{"diesel generator", tags("power", "generator", "generator:source", "diesel"), thermal},
		{"biomass plant", tags("power", "plant", "plant:source", "biomass"), otherGen},
		{"plant without source", tags("power", "plant"), otherGen},
		{"plant named ТЭЦ", tags("power", "plant", "name", "ТЭЦ-5"), thermal},
		{"plant named ПС", tags("power", "plant", "name", "ПС Північна"), otherGen},
		{"substation", tags("power", "substation"), substation},
		{"line", tags("power", "line", "voltage", "330000"), powerLine},
		{"minor line", tags("power", "minor_line"), ""},
		{"tower", tags("power", "tower"), ""},
		{"dam", tags("waterway", "dam"), dam},
		{"hydro dam", tags("waterway", "dam", "power", "plant", "plant:source", "hydro"), hydro},
		{"dam with other power tag", tags("waterway", "dam", "power", "yes"), hydro},
		{"weir", tags("waterway", "weir"), ""},
		{"hospital", tags("amenity", "hospital"), hospital},
		{"healthcare hospital", tags("healthcare", "hospital"), hospital},
		{"clinic", tags("amenity", "clinic"), ""},
		{"oil pipeline", tags("man_made", "pipeline", "substance", "oil"), oilPipe},
		{"gas pipeline", tags("man_made", "pipeline", "substance", "gas"), gasPipe},
		{"water pipeline", tags("man_made", "pipeline", "substance", "water"), ""},
		{"pipeline without substance", tags("man_made", "pipeline"), ""},
		{"refinery", tags("industrial", "refinery"), refinery},
		{"works with oil", tags("man_made", "works", "product", "oil;petrol"), refinery},
		{"works with cars", tags("man_made", "works", "product", "cars"), ""},
		{"oil tank", tags("man_made", "storage_tank", "content", "oil"), oilStorage},
		{"gas tank", tags("man_made", "storage_tank", "content", "gas"), gasStorage},
		{"water tank", tags("man_made", "storage_tank", "content", "water"), ""},
		{"building", tags("building", "yes"), ""},
	} {
		if got := osmCategory(tc.tags); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestNameCategory(t *testing.T) {
	for name, want := range map[string]truce.Category{
		"Запорізька АЕС":                    nuclear,
		"Запорізька атомна електростанція":  nuclear,
		"Белоярская атомная электростанция": nuclear,
		"Дністровська ГАЕС":                 hydro,
		"Новосибирская ГЭС":                 hydro,
		"Зміївська ТЕС;ПС 330 кВ":           thermal,
		"Гусиноозёрская ГРЭС":               thermal,
		"ГТЭС \"Городецкая\"":               thermal,
		"Красноярская ТЭЦ-3":                thermal,
		"Тяговая ПС":                        substation,
		"'Куп''янськ 330/110/35 кВ'":        substation,
		"Підстанція Київська":               substation,
		"Західна":                           "",
		"ПСИХ":                              "",
		"Chernobyl NPP":                     nuclear,
	} {
		if got := nameCategory(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

func TestGridList(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"A":                   "A",
		"A;A;A;B;A":           "A; B",
		" A ; ;B":             "A; B",
		"Нововоронежская АЭС": "Нововоронежская АЭС",
	} {
		if got := gridList(in); got != want {
			t.Errorf("gridList(%q) = %q, want %q", in, got, want)
		}
	}
}
