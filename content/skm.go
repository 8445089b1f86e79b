package content

import (
	"context"
	"time"

	"github.com/kotalama/kompeten/internal/ikm"
	"github.com/kotalama/kompeten/storage/docs"
)

// Citizens' feedback (SKM, PermenPAN-RB 14/2017) on a unit's public
// services (layanan). Responses are stored raw for the CSV and counted
// into one aggregate per service and month as they arrive, so dashboards
// add a handful of aggregates and never scan responses.

// PublicService is a layanan a unit gives citizens, e.g. a KTP counter.
type PublicService struct {
	ID          string    `bson:"id" json:"id"`
	Unit        string    `bson:"unit" json:"unit"`
	Name        string    `bson:"name" json:"name"`
	Description string    `bson:"description,omitempty" json:"description,omitempty"`
	Active      bool      `bson:"active" json:"active"`
	Created     time.Time `bson:"created" json:"created_at"`
}

// skmMonth is the aggregate of one service's responses in one month (WIB),
// stored under skmMonthID(service, month).
type skmMonth struct {
	Service string   `bson:"service"`
	Unit    string   `bson:"unit"`
	Month   string   `bson:"month"` // "2026-03"
	Year    int      `bson:"year"`
	Sums    ikm.Sums `bson:"sums"`
	// Applied holds the ids of responses being counted in, so a fold
	// interrupted between its steps never counts one twice (skm_fold.go).
	Applied []appliedMark `bson:"applied,omitempty"`
}

func skmMonthID(service, month string) string { return service + "~" + month }

// SKMMonth is a month's aggregate, as dashboards read it.
type SKMMonth struct {
	Service string
	Unit    string
	Month   string
	Sums    ikm.Sums
}

// SKMMonthsOfUnits reads the monthly aggregates of every service of the
// given units in a year: one indexed query per unit, never responses.
func (s *Service) SKMMonthsOfUnits(ctx context.Context, units []string, year int) ([]SKMMonth, error) {
	var out []SKMMonth
	for _, u := range units {
		q := docs.Query{Where: []docs.Eq{{Field: "unit", Value: u}, {Field: "year", Value: year}}, Sort: "month", Limit: 500}
		for {
			ms, next, err := docs.FindAll[skmMonth](ctx, s.docs.C(collSKMMonths), q)
			if err != nil {
				return nil, mapErr(err, "skm aggregates")
			}
			for _, m := range ms {
				out = append(out, SKMMonth{Service: m.Service, Unit: m.Unit, Month: m.Month, Sums: m.Sums})
			}
			if next == "" {
				break
			}
			q.After = next
		}
	}
	return out, nil
}
