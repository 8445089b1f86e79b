package content

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// AuditEntry records one admin action: who did what to which record, when,
// and the record before and after (as JSON, so any record fits).
type AuditEntry struct {
	ID     string    `bson:"id" json:"id"`
	Actor  string    `bson:"actor" json:"actor"`
	Action string    `bson:"action" json:"action"`
	Target string    `bson:"target" json:"target"`
	Before string    `bson:"before,omitempty" json:"before,omitempty"`
	After  string    `bson:"after,omitempty" json:"after,omitempty"`
	At     time.Time `bson:"at" json:"at"`
}

// Audit records an admin action. before or after may be nil. A failure to
// record is logged, not returned: the action itself has happened.
// Callers pass values without secrets (User's hash is never marshalled to
// JSON).
func (s *Service) Audit(ctx context.Context, actor User, action, target string, before, after any) {
	e := AuditEntry{ID: newID(16), Actor: actor.NIP, Action: action, Target: target,
		Before: auditJSON(before), After: auditJSON(after), At: s.now().UTC().Truncate(time.Millisecond)}
	if err := s.docs.C(collAudit).Insert(ctx, e.ID, &e); err != nil {
		slog.Error("audit", "action", action, "target", target, "err", err)
	}
}

func auditJSON(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return ""
	}
	return string(b)
}

// AuditLog lists admin actions, newest first, a page at a time.
func (s *Service) AuditLog(ctx context.Context, actor User, after string, limit int) ([]AuditEntry, string, error) {
	if !actor.Has(RoleAdmin) {
		return nil, "", ErrForbidden
	}
	limit = min(max(limit, 1), 200)
	es, next, err := docs.FindAll[AuditEntry](ctx, s.docs.C(collAudit),
		docs.Query{Sort: "at", Desc: true, Limit: limit, After: after})
	return es, next, mapErr(err, "audit log")
}
