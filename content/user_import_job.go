package content

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// ImportJob is the progress of one user import, kept in the store so that
// whichever instance a page's poll reaches can answer it, while the
// instance that took the file works through it.
type ImportJob struct {
	ID       string    `bson:"id" json:"id"`
	Actor    string    `bson:"actor" json:"-"`
	Done     int       `bson:"done" json:"done"`
	Total    int       `bson:"total" json:"total"`
	Finished bool      `bson:"finished" json:"finished"`
	Created  time.Time `bson:"created" json:"created_at"`
	Expires  time.Time `bson:"expires" json:"-"`
}

// importJobLife is how long a job's progress is kept; a poll after that
// finds nothing.
const importJobLife = 24 * time.Hour

// importProgressEvery spaces the progress writes of a job: a bar moved
// four times a second looks smooth, and 10,000 lines cost 40 writes, not
// 20,000.
const importProgressEvery = 250 * time.Millisecond

// StartImportJob records a new import's progress, at zero, for actor to
// poll; expired jobs are swept on the way.
func (s *Service) StartImportJob(ctx context.Context, actor User) (ImportJob, error) {
	if !actor.Has(RoleAdmin) {
		return ImportJob{}, ErrForbidden
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	c := s.docs.C(collImportJobs)
	if old, _, err := docs.FindAll[ImportJob](ctx, c, docs.Query{Range: &docs.Range{Field: "expires", Lt: now}, Sort: "expires", Limit: 20}); err == nil {
		for _, j := range old {
			_ = c.Delete(ctx, j.ID)
		}
	}
	j := ImportJob{ID: newID(16), Actor: actor.NIP, Created: now, Expires: now.Add(importJobLife)}
	if err := c.Insert(ctx, j.ID, &j); err != nil {
		return ImportJob{}, mapErr(err, "import job")
	}
	return j, nil
}

// ImportJob is a job's progress, for the admin who started it.
func (s *Service) ImportJob(ctx context.Context, actor User, id string) (ImportJob, error) {
	var j ImportJob
	if len(id) > 64 {
		return j, ErrNotFound
	}
	if _, err := s.docs.C(collImportJobs).Get(ctx, id, &j); err != nil {
		return ImportJob{}, mapErr(err, "import job")
	}
	if j.Actor != actor.NIP {
		return ImportJob{}, ErrNotFound
	}
	return j, nil
}

// ImportProgress returns a progress function for ImportUsers that writes
// job id's progress to the store now and then, and a finish function to
// call when the import ends. An unknown id, or another admin's, gets
// functions that do nothing: progress is a courtesy, never a reason for
// an import to fail.
func (s *Service) ImportProgress(ctx context.Context, actor User, id string) (progress func(done, total int), finish func()) {
	nop := func(int, int) {}
	if _, err := s.ImportJob(ctx, actor, id); err != nil {
		return nop, func() {}
	}
	var mu sync.Mutex
	var last time.Time
	write := func(done, total int, finished bool) {
		_, _ = docs.Update(ctx, s.docs.C(collImportJobs), id, func(j *ImportJob) error {
			if j.Finished {
				return errors.New("finished")
			}
			j.Done, j.Total, j.Finished = done, total, finished
			return nil
		})
	}
	var done, total int
	progress = func(d, t int) {
		mu.Lock()
		defer mu.Unlock()
		done, total = d, t
		if now := time.Now(); now.Sub(last) >= importProgressEvery {
			last = now
			write(d, t, false)
		}
	}
	finish = func() {
		mu.Lock()
		defer mu.Unlock()
		write(max(done, total), total, true)
	}
	return progress, finish
}
