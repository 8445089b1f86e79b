package content

import "github.com/kotalama/kompeten/storage/docs"

// Collection names.
const (
	collUsers       = "users"
	collSessions    = "sessions"
	collTokens      = "tokens"
	collThrottle    = "throttle"
	collSettings    = "settings"
	collEnrollments = "enrollments"
)

// Schemas declares every collection the domain uses and the indexes its
// queries need. The document store refuses any query these do not serve.
func Schemas() []docs.Schema {
	return []docs.Schema{
		{Name: collUsers, Indexes: []docs.Index{
			{Name: "unit_name", Fields: []docs.Field{{Name: "unit", Kind: docs.String}, {Name: "name", Kind: docs.String}}},
			{Name: "is_admin", Fields: []docs.Field{{Name: "is_admin", Kind: docs.Bool}}},
		}},
		{Name: collSessions, Indexes: []docs.Index{
			{Name: "expires", Fields: []docs.Field{{Name: "expires", Kind: docs.Time}}},
		}},
		{Name: collTokens, Indexes: []docs.Index{
			{Name: "user", Fields: []docs.Field{{Name: "user", Kind: docs.String}, {Name: "created", Kind: docs.Time}}},
			{Name: "expires", Fields: []docs.Field{{Name: "expires", Kind: docs.Time}}},
		}},
		{Name: collThrottle, Indexes: []docs.Index{
			{Name: "updated", Fields: []docs.Field{{Name: "updated", Kind: docs.Time}}},
		}},
		{Name: collSettings},
		{Name: collEnrollments, Indexes: []docs.Index{
			{Name: "user_year", Fields: []docs.Field{{Name: "user", Kind: docs.String}, {Name: "jp_year", Kind: docs.Int}}},
		}},
	}
}
