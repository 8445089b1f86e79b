package docs

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Decode unmarshals every document of a page into T.
func Decode[T any](p Page) ([]T, error) {
	out := make([]T, 0, len(p.Docs))
	for _, d := range p.Docs {
		var v T
		if err := bson.Unmarshal(d.BSON, &v); err != nil {
			return nil, fmt.Errorf("docs: decode %s: %w", d.ID, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// FindAll runs q and decodes the page into T.
func FindAll[T any](ctx context.Context, c Collection, q Query) ([]T, string, error) {
	p, err := c.Find(ctx, q)
	if err != nil {
		return nil, "", err
	}
	vs, err := Decode[T](p)
	return vs, p.Next, err
}
