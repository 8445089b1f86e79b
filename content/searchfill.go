package content

import (
	"context"
	"errors"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// searchFill records that the search index is owed a fill from the
// document store. An index that opened empty only says so once (the next
// open finds it), so the debt is kept here until a fill has finished: a
// fill cut short by a crash or a deploy is taken up again at the next
// start, on whichever instance starts.
type searchFill struct {
	Owed  bool      `bson:"owed"`
	Since time.Time `bson:"since"`
}

const searchFillKey = "search:fill"

// SearchFillOwed reports whether the search index must be filled from
// the document store: fresh says the index was just created empty;
// otherwise a fill is owed if one was asked for and never finished. The
// token goes to FinishSearchFill.
func (s *Service) SearchFillOwed(ctx context.Context, fresh bool) (token int64, owed bool, err error) {
	coll := s.docs.C(collSettings)
	if fresh {
		now := s.now().UTC().Truncate(time.Millisecond)
		if _, err := upsert(ctx, coll, searchFillKey, func(f *searchFill) error {
			*f = searchFill{Owed: true, Since: now}
			return nil
		}); err != nil {
			return 0, false, mapErr(err, "search fill")
		}
	}
	var f searchFill
	v, err := coll.Get(ctx, searchFillKey, &f)
	if errors.Is(err, docs.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, mapErr(err, "search fill")
	}
	return v, f.Owed, nil
}

// FinishSearchFill records that the fill that started at token is done,
// unless another index has asked for a fill since (its record moved on),
// which then stays owed.
func (s *Service) FinishSearchFill(ctx context.Context, token int64) error {
	_, err := s.docs.C(collSettings).Replace(ctx, searchFillKey, token, &searchFill{})
	if errors.Is(err, docs.ErrConflict) || errors.Is(err, docs.ErrNotFound) {
		return nil
	}
	return mapErr(err, "search fill")
}
