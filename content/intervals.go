package content

import (
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Intervals are the spans of a video a learner watched, [from, to] in
// seconds. In JSON they are pairs; in the store they are one flat list
// (from, to, from, to, …), because FerretDB, which the MongoDB backend is
// tested on, refuses nested arrays. Reading also takes the nested form
// that was stored before.
type Intervals [][2]float64

// MarshalBSONValue stores the intervals flat.
func (iv Intervals) MarshalBSONValue() (byte, []byte, error) {
	flat := make([]float64, 0, 2*len(iv))
	for _, w := range iv {
		flat = append(flat, w[0], w[1])
	}
	t, b, err := bson.MarshalValue(flat)
	return byte(t), b, err
}

var errIntervals = errors.New("watched intervals: not a list of numbers")

// UnmarshalBSONValue reads the flat form, or the nested pairs of old.
func (iv *Intervals) UnmarshalBSONValue(t byte, data []byte) error {
	rv := bson.RawValue{Type: bson.Type(t), Value: data}
	if rv.Type == bson.TypeNull {
		*iv = nil
		return nil
	}
	arr, ok := rv.ArrayOK()
	if !ok {
		return errIntervals
	}
	vals, err := arr.Values()
	if err != nil {
		return fmt.Errorf("watched intervals: %w", err)
	}
	var flat []float64
	for _, v := range vals {
		if pair, ok := v.ArrayOK(); ok { // the nested form
			pv, err := pair.Values()
			if err != nil || len(pv) != 2 {
				return errIntervals
			}
			for _, p := range pv {
				f, ok := p.AsFloat64OK()
				if !ok {
					return errIntervals
				}
				flat = append(flat, f)
			}
			continue
		}
		f, ok := v.AsFloat64OK()
		if !ok {
			return errIntervals
		}
		flat = append(flat, f)
	}
	if len(flat)%2 != 0 {
		return errIntervals
	}
	out := make(Intervals, 0, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		out = append(out, [2]float64{flat[i], flat[i+1]})
	}
	*iv = out
	return nil
}
