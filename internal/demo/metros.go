package demo

import "github.com/bopis/bopis"

// Metro is one US metropolitan area of the demo network.
type Metro struct {
	Name     string            // the metro's city, used in store names and addresses: "Denver"
	Region   string            // two-letter state code: "CO"
	TimeZone string            // IANA zone of the metro's stores
	Center   bopis.Coordinates // city centre
	Stores   int               // how many pickup stores Generate places there
}

// metroDef is a Metro with what Generate needs to place stores in it: a
// range of real ZIP codes and where land is, so that no store ends up in
// the ocean, a lake or another country. Stores go maxKm at most from the
// centre, at a compass bearing between bearFrom and bearFrom+bearSpan
// degrees (clockwise from north).
type metroDef struct {
	name, region, zone string
	lat, lon           float64
	stores             int
	zipLo, zipHi       int
	maxKm              float64
	bearFrom, bearSpan float64
}

// metros is the network, biggest markets first within each time zone.
// Centres are the usual city-centre coordinates; zones are the canonical
// IANA zone of each city (Detroit, Indianapolis, Louisville and Boise have
// their own). Store counts add up to 320.
var metros = []metroDef{
	// Eastern
	{"New York", "NY", "America/New_York", 40.7128, -74.0060, 20, 10001, 10040, 35, 225, 245},
	{"Washington", "DC", "America/New_York", 38.9072, -77.0369, 10, 20001, 20037, 35, 0, 360},
	{"Atlanta", "GA", "America/New_York", 33.7490, -84.3880, 10, 30303, 30350, 35, 0, 360},
	{"Philadelphia", "PA", "America/New_York", 39.9526, -75.1652, 9, 19102, 19154, 35, 0, 360},
	{"Boston", "MA", "America/New_York", 42.3601, -71.0589, 9, 2108, 2137, 35, 160, 230},
	{"Miami", "FL", "America/New_York", 25.7617, -80.1918, 9, 33125, 33186, 25, 190, 170},
	{"Detroit", "MI", "America/Detroit", 42.3314, -83.0458, 7, 48201, 48239, 30, 210, 190},
	{"Orlando", "FL", "America/New_York", 28.5383, -81.3792, 6, 32801, 32839, 30, 0, 360},
	{"Tampa", "FL", "America/New_York", 27.9506, -82.4572, 6, 33602, 33647, 30, 330, 180},
	{"Charlotte", "NC", "America/New_York", 35.2271, -80.8431, 6, 28202, 28277, 30, 0, 360},
	{"Baltimore", "MD", "America/New_York", 39.2904, -76.6122, 5, 21201, 21239, 25, 210, 210},
	{"Pittsburgh", "PA", "America/New_York", 40.4406, -79.9959, 5, 15201, 15241, 25, 0, 360},
	{"Columbus", "OH", "America/New_York", 39.9612, -82.9988, 5, 43201, 43235, 25, 0, 360},
	{"Indianapolis", "IN", "America/Indiana/Indianapolis", 39.7684, -86.1581, 5, 46201, 46260, 25, 0, 360},
	{"Jacksonville", "FL", "America/New_York", 30.3322, -81.6557, 4, 32202, 32258, 25, 180, 240},
	{"Raleigh", "NC", "America/New_York", 35.7796, -78.6382, 4, 27601, 27617, 25, 0, 360},
	{"Cleveland", "OH", "America/New_York", 41.4993, -81.6944, 4, 44102, 44135, 30, 80, 185},
	{"Cincinnati", "OH", "America/New_York", 39.1031, -84.5120, 4, 45202, 45249, 25, 0, 360},
	{"Richmond", "VA", "America/New_York", 37.5407, -77.4360, 2, 23219, 23237, 20, 0, 360},
	{"Louisville", "KY", "America/Kentucky/Louisville", 38.2527, -85.7585, 2, 40202, 40299, 20, 0, 360},

	// Central
	{"Chicago", "IL", "America/Chicago", 41.8781, -87.6298, 16, 60601, 60661, 35, 180, 175},
	{"Houston", "TX", "America/Chicago", 29.7604, -95.3698, 12, 77002, 77099, 35, 0, 360},
	{"Dallas", "TX", "America/Chicago", 32.7767, -96.7970, 12, 75201, 75254, 35, 0, 360},
	{"San Antonio", "TX", "America/Chicago", 29.4241, -98.4936, 6, 78201, 78261, 30, 0, 360},
	{"Austin", "TX", "America/Chicago", 30.2672, -97.7431, 6, 78701, 78759, 30, 0, 360},
	{"Minneapolis", "MN", "America/Chicago", 44.9778, -93.2650, 6, 55401, 55455, 30, 0, 360},
	{"St. Louis", "MO", "America/Chicago", 38.6270, -90.1994, 5, 63101, 63147, 30, 0, 360},
	{"Kansas City", "MO", "America/Chicago", 39.0997, -94.5786, 5, 64101, 64158, 30, 0, 360},
	{"Nashville", "TN", "America/Chicago", 36.1627, -86.7816, 5, 37201, 37221, 30, 0, 360},
	{"Milwaukee", "WI", "America/Chicago", 43.0389, -87.9065, 4, 53202, 53233, 30, 180, 180},
	{"New Orleans", "LA", "America/Chicago", 29.9511, -90.0715, 3, 70112, 70131, 18, 160, 125},
	{"Oklahoma City", "OK", "America/Chicago", 35.4676, -97.5164, 3, 73102, 73179, 25, 0, 360},
	{"Memphis", "TN", "America/Chicago", 35.1495, -90.0490, 3, 38103, 38141, 25, 0, 360},
	{"Omaha", "NE", "America/Chicago", 41.2565, -95.9345, 2, 68102, 68164, 20, 0, 360},

	// Mountain, and Arizona without daylight saving time
	{"Phoenix", "AZ", "America/Phoenix", 33.4484, -112.0740, 10, 85003, 85054, 35, 0, 360},
	{"Denver", "CO", "America/Denver", 39.7392, -104.9903, 8, 80202, 80249, 35, 0, 360},
	{"Salt Lake City", "UT", "America/Denver", 40.7608, -111.8910, 4, 84101, 84124, 25, 160, 105},
	{"Colorado Springs", "CO", "America/Denver", 38.8339, -104.8214, 3, 80903, 80951, 25, 0, 200},
	{"Albuquerque", "NM", "America/Denver", 35.0844, -106.6504, 3, 87102, 87123, 25, 180, 210},
	{"Tucson", "AZ", "America/Phoenix", 32.2226, -110.9747, 3, 85701, 85750, 25, 0, 360},
	{"Boise", "ID", "America/Boise", 43.6150, -116.2023, 2, 83702, 83716, 25, 130, 200},

	// Pacific, Alaska, Hawaii
	{"Los Angeles", "CA", "America/Los_Angeles", 34.0522, -118.2437, 18, 90001, 90089, 32, 280, 285},
	{"Seattle", "WA", "America/Los_Angeles", 47.6062, -122.3321, 8, 98101, 98199, 30, 0, 180},
	{"San Diego", "CA", "America/Los_Angeles", 32.7157, -117.1611, 7, 92101, 92131, 30, 345, 135},
	{"San Francisco", "CA", "America/Los_Angeles", 37.7749, -122.4194, 6, 94102, 94134, 30, 160, 30},
	{"San Jose", "CA", "America/Los_Angeles", 37.3382, -121.8863, 5, 95110, 95139, 25, 130, 170},
	{"Portland", "OR", "America/Los_Angeles", 45.5152, -122.6784, 5, 97201, 97236, 30, 0, 360},
	{"Las Vegas", "NV", "America/Los_Angeles", 36.1699, -115.1398, 5, 89101, 89149, 22, 0, 360},
	{"Oakland", "CA", "America/Los_Angeles", 37.8044, -122.2712, 4, 94601, 94621, 25, 0, 140},
	{"Sacramento", "CA", "America/Los_Angeles", 38.5816, -121.4944, 4, 95811, 95838, 30, 0, 360},
	{"Honolulu", "HI", "Pacific/Honolulu", 21.3069, -157.8583, 3, 96813, 96826, 20, 280, 100},
	{"Anchorage", "AK", "America/Anchorage", 61.2181, -149.9003, 2, 99501, 99518, 20, 40, 140},
}

// downtownBearings overrides, for the downtown flagship (2 to 5 km out),
// the bearings of metros whose centre sits by a river, a bay or a lake:
// {from, span} in degrees, clockwise from north.
var downtownBearings = map[string][2]float64{
	"New York":     {350, 40},  // up Manhattan, not into the Hudson or the East River
	"Boston":       {200, 100}, // Back Bay, Fenway, South End
	"Miami":        {250, 100}, // Little Havana, Allapattah, not Biscayne Bay
	"Tampa":        {0, 100},   // Ybor City, Seminole Heights, not the bay
	"Seattle":      {100, 60},  // Central District, Beacon Hill, not Lake Union
	"Detroit":      {270, 120}, // away from the Detroit River
	"Jacksonville": {270, 90},  // west of the St. Johns River
	"New Orleans":  {270, 60},  // Mid-City, away from the Mississippi
	"Baltimore":    {240, 120}, // away from the harbour
}

// Metros returns the metro areas of the demo network, with how many
// pickup stores each gets. The list is the same for every seed.
func Metros() []Metro {
	out := make([]Metro, len(metros))
	for i, m := range metros {
		out[i] = m.public()
	}
	return out
}

func (m *metroDef) public() Metro {
	return Metro{
		Name:     m.name,
		Region:   m.region,
		TimeZone: m.zone,
		Center:   bopis.Coordinates{Latitude: m.lat, Longitude: m.lon},
		Stores:   m.stores,
	}
}

// warehouseDef is a distribution centre: ships only, no pickup.
type warehouseDef struct {
	city, region, zone string
	lat, lon           float64
	zip                string
	street             string
	roundTheClock      bool // runs 24 hours on weekdays
}

// warehouses sit in the big logistics hubs of four regions.
var warehouses = []warehouseDef{
	{"Allentown", "PA", "America/New_York", 40.5787, -75.5557, "18106", "Industrial Blvd", true},
	{"Joliet", "IL", "America/Chicago", 41.4711, -88.1443, "60436", "Logistics Way", false},
	{"Fort Worth", "TX", "America/Chicago", 32.9870, -97.3192, "76177", "Alliance Gateway Fwy", false},
	{"Ontario", "CA", "America/Los_Angeles", 34.0456, -117.5830, "91761", "Commerce Pkwy", true},
}
