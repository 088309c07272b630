package truce

// Act is what a report says was done, and what a clause prohibits.
type Act string

// The acts of the vocabulary.
const (
	ActDroneStrike   Act = "drone_strike"
	ActMissileStrike Act = "missile_strike"
	ActAirStrike     Act = "air_strike"
	ActShelling      Act = "shelling"
	ActSabotage      Act = "sabotage"
	ActForceAtSea    Act = "use_of_force_at_sea"
	ActOther         Act = "other"
)

// Acts returns every act, in a fixed order.
func Acts() []Act {
	return []Act{ActDroneStrike, ActMissileStrike, ActAirStrike, ActShelling, ActSabotage, ActForceAtSea, ActOther}
}

// Valid reports whether a is one of Acts.
func (a Act) Valid() bool {
	for _, k := range Acts() {
		if k == a {
			return true
		}
	}
	return false
}
