package content

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// Registration for events: a seat while there is one, else a place on the
// waitlist, promoted in order of arrival when a seat frees.
//
// Design. Capacity must hold under a burst from several instances, and the
// store offers only single-document, version-guarded writes. So one
// document per event, its seats document (collection event_seats, id the
// event's), is the source of truth: the capacity, the NIPs holding a seat
// and the waitlist, each in order of arrival. A seat is taken only by a
// guarded write of that document, which is what makes overbooking
// impossible whatever the instances do.
//
// One document contended by 2,000 sign-ups a second would collapse under
// plain compare-and-swap (each retry re-reads and loses again), so each
// instance group-commits: the registrations and cancellations for one
// event that arrive while a write is in flight queue up (seatQueues), and
// one goroutine applies the whole batch in one guarded write, retrying on
// a conflict with another instance's batch. Contention is then between
// instances, not requests. The queue is only batching: a request waits on
// it, nothing is remembered after the write, and an instance that dies
// loses only requests it never answered.
//
// Each person also has a Registration document (event~nip) that pages,
// attendance and "Kegiatan saya" read. It is written after the seats
// document, from it, by the request (and, for people promoted, by the
// cancellation or capacity change that promoted them). It carries the
// seats document's revision it was written from, so a late, older write
// never undoes a newer one. A crash between the two writes leaves the
// Registration missing or stale; it is repaired from the seats document
// when read (RegistrationOf for a missing one, the organisers' list for
// every one, and registering or cancelling again), and a promotion's
// notification is keyed by the occasion, so a repair never sends it twice.

// Refusals of registration and cancellation.
var (
	ErrRegistrationClosed = newError("event.registration_closed", "registration for the event has closed")
	ErrEventCancelled     = newError("event.cancelled", "the event was cancelled")
	ErrEventStarted       = newError("event.started", "the event has started")
	ErrNotRegistered      = newError("event.not_registered", "not registered for the event")
	// ErrAlreadyRegistered is how a person's own second registration is
	// answered; Register itself answers the place held (Place.Existing),
	// which an assignment registering people takes as done.
	ErrAlreadyRegistered = newError("event.already_registered", "already registered for the event")
)

// seatWriteWindow bounds one batch's write, retries included.
const seatWriteWindow = 20 * time.Second

// A leader holding fewer than seatBatchWant requests waits seatLinger
// once for more before writing them.
const (
	seatBatchWant = 32
	seatLinger    = 2 * time.Millisecond
)

// eventSeats is the source of truth for an event's seats and waitlist.
type eventSeats struct {
	Event    string `bson:"event"`
	Capacity int    `bson:"capacity"`
	// Rev counts changes; Registration.Rev records the one it reflects.
	Rev int64 `bson:"rev"`
	// LastSeq numbers arrivals, so order survives cancellations.
	LastSeq  int64       `bson:"last_seq"`
	Seats    []seatEntry `bson:"seats"`
	Waitlist []seatEntry `bson:"waitlist"`
}

// seatEntry is one person's place; short keys keep a large waitlist small.
type seatEntry struct {
	NIP      string    `bson:"n"`
	Seq      int64     `bson:"s"`
	Unit     string    `bson:"u,omitempty"`
	Via      string    `bson:"v,omitempty"`
	At       time.Time `bson:"t"`
	Promoted time.Time `bson:"p,omitempty"`
}

// place finds nip: its status, and its index in that list.
func (st *eventSeats) place(nip string) (string, int) {
	if i := slices.IndexFunc(st.Seats, func(e seatEntry) bool { return e.NIP == nip }); i >= 0 {
		return RegRegistered, i
	}
	if i := slices.IndexFunc(st.Waitlist, func(e seatEntry) bool { return e.NIP == nip }); i >= 0 {
		return RegWaitlisted, i
	}
	return "", -1
}

// promote fills free seats from the head of the waitlist.
func (st *eventSeats) promote(now time.Time) []seatEntry {
	var out []seatEntry
	for len(st.Seats) < st.Capacity && len(st.Waitlist) > 0 {
		e := st.Waitlist[0]
		st.Waitlist = st.Waitlist[1:]
		e.Promoted = now
		st.Seats = append(st.Seats, e)
		out = append(out, e)
	}
	return out
}

type seatOpKind int

const (
	opRegister seatOpKind = iota
	opCancel
	opCapacity
	// opSeed places a person with the status given, whatever the
	// capacity (SeedRegistration).
	opSeed
)

// seatOp is one request in a batch; the batch fills its results.
type seatOp struct {
	kind     seatOpKind
	ev       Event
	nip      string
	unit     string
	via      string
	capacity int
	seed     string // opSeed's status

	entry    seatEntry
	status   string // after the op; "" when a cancel found nobody
	position int    // 1-based on the waitlist
	existed  bool
	promoted []seatEntry
	rev      int64
	reg      Registration // as written after the op, for register, seed and cancel
	synced   bool         // reg is written
	err      error
	done     chan struct{}
}

// seatQueues holds, per event, the requests waiting for the next batch.
// A key present means a goroutine is writing batches for that event.
type seatQueues struct {
	mu      sync.Mutex
	pending map[string][]*seatOp
}

// submitSeats queues op for the event's next batch and waits for it and
// the Registrations it changed to be written.
func (s *Service) submitSeats(ctx context.Context, ev Event, op *seatOp) error {
	eventID := ev.ID
	op.ev, op.done = ev, make(chan struct{})
	q := &s.seatQueues
	q.mu.Lock()
	if q.pending == nil {
		q.pending = map[string][]*seatOp{}
	}
	ops, running := q.pending[eventID]
	q.pending[eventID] = append(ops, op)
	q.mu.Unlock()
	if !running {
		go s.leadSeats(eventID)
	}
	select {
	case <-op.done:
		return op.err
	case <-ctx.Done():
		// The batch may still apply it; the Registration is then
		// repaired when next read.
		return ctx.Err()
	}
}

// leadSeats writes the event's queued requests, a batch at a time, until
// none are left. It runs apart from any request, so one caller going away
// does not fail the others. It keeps the seats document it last wrote, so
// a burst costs one write per batch and no read: the write is guarded by
// the version, and another instance's write in between only costs a
// re-read.
func (s *Service) leadSeats(eventID string) {
	q := &s.seatQueues
	var held *heldSeats
	lingered := false
	for {
		q.mu.Lock()
		ops := q.pending[eventID]
		if len(ops) == 0 {
			delete(q.pending, eventID)
			q.mu.Unlock()
			return
		}
		if len(ops) < seatBatchWant && !lingered {
			// Each write carries the whole document, waitlist and all:
			// a moment's wait for more requests saves many writes of it.
			q.mu.Unlock()
			time.Sleep(seatLinger)
			lingered = true
			continue
		}
		lingered = false
		q.pending[eventID] = nil
		q.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), seatWriteWindow)
		var err error
		held, err = s.applySeats(ctx, eventID, held, ops)
		if err == nil {
			s.syncBatch(ctx, ops)
		}
		cancel()
		for _, op := range ops {
			if err != nil && op.err == nil {
				op.err = err
			}
			close(op.done)
		}
	}
}

// syncParallel bounds the Registration writes of one batch in flight.
const syncParallel = 8

// syncBatch writes the Registrations a batch changed, a few at a time.
// The batch's leader writes them rather than each request, so a burst's
// requests do not queue for the store's writer in front of the next
// batch's seats write.
func (s *Service) syncBatch(ctx context.Context, ops []*seatOp) {
	s.insertNewPlaces(ctx, ops)
	sem := make(chan struct{}, syncParallel)
	var wg sync.WaitGroup
	for _, op := range ops {
		if op.err != nil || op.synced {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			op.err = s.syncOp(ctx, op)
		}()
	}
	wg.Wait()
}

// insertNewPlaces writes the Registrations of the batch's new places in
// one InsertMany: in a burst nearly all of them are new. A person who had
// registered and cancelled before already has one; syncOp updates it.
func (s *Service) insertNewPlaces(ctx context.Context, ops []*seatOp) {
	var fresh []*seatOp
	var ins []docs.Insertion
	now := s.now().UTC().Truncate(time.Millisecond)
	for _, op := range ops {
		if op.err == nil && !op.existed && (op.kind == opRegister || op.kind == opSeed) {
			op.reg = registrationAt(op.ev, op.entry, op.status, op.rev, now)
			fresh, ins = append(fresh, op), append(ins, docs.Insertion{ID: op.reg.ID, V: &op.reg})
		}
	}
	if len(ins) == 0 {
		return
	}
	errs, err := s.docs.C(collRegistrations).InsertMany(ctx, ins)
	for i, op := range fresh {
		switch {
		case err != nil:
			op.err = mapErr(err, "registrations")
		case errs[i] == nil:
			op.synced = true
		case !errors.Is(errs[i], docs.ErrDuplicate):
			op.err = mapErr(errs[i], "registration")
		}
	}
}

// syncOp writes what one op of an applied batch changed.
func (s *Service) syncOp(ctx context.Context, op *seatOp) error {
	var err error
	switch op.kind {
	case opRegister, opSeed:
		op.reg, err = s.syncRegistration(ctx, op.ev, op.entry, op.status, op.rev)
	case opCancel:
		if op.status == "" {
			return nil
		}
		if op.reg, err = s.syncRegistration(ctx, op.ev, op.entry, RegCancelled, op.rev); err == nil {
			err = s.syncPromoted(ctx, op.ev, op.promoted, op.rev)
		}
	case opCapacity:
		err = s.syncPromoted(ctx, op.ev, op.promoted, op.rev)
	}
	return err
}

// heldSeats is a seats document as a leader last read or wrote it.
type heldSeats struct {
	st      eventSeats
	version int64
}

// errSeatsUnchanged leaves the seats document as it is.
var errSeatsUnchanged = errors.New("seats unchanged")

// applySeats applies a batch in one guarded write of the seats document,
// creating it from the event on first use. held, if not nil, is the
// document as last known; it returns the document as written.
func (s *Service) applySeats(ctx context.Context, eventID string, held *heldSeats, ops []*seatOp) (*heldSeats, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	fn := func(st *eventSeats) error {
		changed := false
		for _, op := range ops {
			op.entry, op.status, op.position, op.existed, op.promoted, op.err = seatEntry{}, "", 0, false, nil, nil
			switch op.kind {
			case opRegister:
				if status, i := st.place(op.nip); status != "" {
					op.existed, op.status = true, status
					if status == RegRegistered {
						op.entry = st.Seats[i]
					} else {
						op.entry, op.position = st.Waitlist[i], i+1
					}
					continue
				}
				st.LastSeq++
				op.entry = seatEntry{NIP: op.nip, Seq: st.LastSeq, Unit: op.unit, Via: op.via, At: now}
				if len(st.Seats) < st.Capacity {
					st.Seats, op.status = append(st.Seats, op.entry), RegRegistered
				} else {
					st.Waitlist, op.status = append(st.Waitlist, op.entry), RegWaitlisted
					op.position = len(st.Waitlist)
				}
				changed = true
			case opCancel:
				status, i := st.place(op.nip)
				switch status {
				case RegRegistered:
					op.entry = st.Seats[i]
					st.Seats = slices.Delete(st.Seats, i, i+1)
				case RegWaitlisted:
					op.entry = st.Waitlist[i]
					st.Waitlist = slices.Delete(st.Waitlist, i, i+1)
				default:
					continue
				}
				op.status, changed = RegCancelled, true
				// Promote now, not at the batch's end, so a registration
				// queued behind the cancellation cannot take the seat
				// from the head of the waitlist.
				op.promoted = st.promote(now)
			case opSeed:
				if status, _ := st.place(op.nip); status != "" {
					op.existed, op.err = true, ErrDuplicate
					continue
				}
				st.LastSeq++
				op.entry = seatEntry{NIP: op.nip, Seq: st.LastSeq, Unit: op.unit, At: now}
				if op.status = op.seed; op.seed == RegRegistered {
					st.Seats = append(st.Seats, op.entry)
				} else {
					st.Waitlist = append(st.Waitlist, op.entry)
					op.position = len(st.Waitlist)
				}
				changed = true
			case opCapacity:
				if op.capacity < len(st.Seats) {
					op.err = invalid("capacity", msg("event.capacity_below_seats", len(st.Seats)))
					continue
				}
				if op.capacity != st.Capacity {
					st.Capacity, changed = op.capacity, true
					op.promoted = st.promote(now)
				}
			}
		}
		if changed {
			st.Rev++
		}
		for _, op := range ops {
			op.rev = st.Rev
		}
		if !changed {
			return errSeatsUnchanged
		}
		return nil
	}
	coll := s.docs.C(collEventSeats)
	for attempt := range docs.MaxUpdateAttempts {
		if held == nil {
			var err error
			if held, err = s.readSeats(ctx, eventID); err != nil {
				return nil, err
			}
		}
		// fn changes the lists in place: work on a copy, so a conflict
		// leaves nothing half-applied in what is held.
		st := held.st
		st.Seats, st.Waitlist = slices.Clone(st.Seats), slices.Clone(st.Waitlist)
		if err := fn(&st); errors.Is(err, errSeatsUnchanged) {
			return held, nil
		} else if err != nil {
			return nil, err
		}
		version, err := coll.Replace(ctx, eventID, held.version, &st)
		if err == nil {
			return &heldSeats{st: st, version: version}, nil
		}
		if !errors.Is(err, docs.ErrConflict) && !errors.Is(err, docs.ErrNotFound) {
			return nil, mapErr(err, "event seats")
		}
		// Another instance wrote first: read again, after a pause that
		// grows with each collision, drawn at random so both do not
		// meet again.
		held = nil
		select {
		case <-time.After(rand.N(time.Duration(attempt+1) * time.Millisecond)):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("event seats %s: %w", eventID, docs.ErrConflict)
}

// readSeats reads the seats document to write, creating it from the event
// on first use.
func (s *Service) readSeats(ctx context.Context, eventID string) (*heldSeats, error) {
	coll := s.docs.C(collEventSeats)
	for range 3 {
		var h heldSeats
		v, err := coll.Get(ctx, eventID, &h.st)
		if err == nil {
			h.version = v
			return &h, nil
		}
		if !errors.Is(err, docs.ErrNotFound) {
			return nil, mapErr(err, "event seats")
		}
		ev, err := s.Event(ctx, eventID)
		if err != nil {
			return nil, err
		}
		st := eventSeats{Event: eventID, Capacity: ev.Capacity}
		if err := coll.Insert(ctx, eventID, &st); err != nil && !errors.Is(err, docs.ErrDuplicate) {
			return nil, mapErr(err, "event seats")
		}
	}
	return nil, fmt.Errorf("event seats %s: not created", eventID)
}

// seats reads an event's seats document; nobody has registered without
// one.
func (s *Service) seats(ctx context.Context, eventID string) (eventSeats, error) {
	var st eventSeats
	_, err := s.docs.C(collEventSeats).Get(ctx, eventID, &st)
	if errors.Is(err, docs.ErrNotFound) {
		return eventSeats{Event: eventID}, nil
	}
	return st, mapErr(err, "event seats")
}

// registrationAt is the Registration a seat entry stands for at seats
// revision rev.
func registrationAt(ev Event, e seatEntry, status string, rev int64, now time.Time) Registration {
	r := Registration{ID: registrationID(ev.ID, e.NIP), Event: ev.ID, User: e.NIP, Unit: e.Unit, Status: status, Seq: e.Seq,
		Starts: ev.Starts, At: e.At, Promoted: e.Promoted, Via: e.Via, Rev: rev}
	if status == RegCancelled {
		r.Cancelled = now
	}
	return r
}

// syncRegistration writes a person's Registration from their seat entry
// at seats revision rev: inserted the first time, updated only from a
// newer revision, keeping attendance and credit. People promoted are told
// once, whoever writes it.
func (s *Service) syncRegistration(ctx context.Context, ev Event, e seatEntry, status string, rev int64) (Registration, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	want := registrationAt(ev, e, status, rev, now)
	coll := s.docs.C(collRegistrations)
	err := coll.Insert(ctx, want.ID, &want)
	changed := err == nil
	if errors.Is(err, docs.ErrDuplicate) {
		want, err = docs.Update(ctx, coll, want.ID, func(r *Registration) error {
			changed = false
			if r.Rev >= rev {
				return nil
			}
			if r.Status == status && r.Seq == e.Seq && r.Promoted.Equal(e.Promoted) {
				r.Rev = rev
				return nil
			}
			changed = true
			cancelled := time.Time{}
			if status == RegCancelled {
				cancelled = r.Cancelled
				if r.Status != RegCancelled {
					cancelled = now
				}
			}
			r.Unit, r.Status, r.Seq, r.Starts, r.At, r.Promoted, r.Via, r.Cancelled, r.Rev =
				e.Unit, status, e.Seq, ev.Starts, e.At, e.Promoted, e.Via, cancelled, rev
			return nil
		})
	}
	if err != nil {
		return want, mapErr(err, "registration")
	}
	if changed && status == RegRegistered && !e.Promoted.IsZero() {
		if _, err := s.Notify(ctx, NewNotification{Key: "event/" + ev.ID + "/" + e.NIP + "/promoted/" + strconv.FormatInt(e.Seq, 10),
			User: e.NIP, Kind: "event.promoted", Text: msg("notify.event_promoted", ev.Title), URL: "/events/" + ev.ID}); err != nil {
			return want, err
		}
	}
	return want, nil
}

// Place is a person's place at an event as a request sees it: the
// Registration, and the position on the waitlist (1 first; 0 with a seat).
type Place struct {
	Registration
	Position int `json:"position"`
	// Existing is true when the person already had the place.
	Existing bool `json:"-"`
}

// Register gives u a seat at the event, or a place on its waitlist when it
// is full. Registering again answers the place already held. via names
// the assignment registering u, if any: an assignment is the organisation
// choosing, so it is not held to the event's target units and positions.
func (s *Service) Register(ctx context.Context, u User, eventID, via string) (Place, error) {
	ev, err := s.Event(ctx, eventID)
	if err != nil {
		return Place{}, err
	}
	switch {
	case ev.Status == EventCancelled:
		return Place{}, ErrEventCancelled
	case !ev.RegistrationOpen(s.now()):
		return Place{}, ErrRegistrationClosed
	}
	if via == "" {
		ok, err := s.OpenTo(ctx, ev, u)
		if err != nil {
			return Place{}, err
		}
		if !ok {
			return Place{}, ErrEventNotOpenToYou
		}
	}
	op := &seatOp{kind: opRegister, nip: u.NIP, unit: u.Unit, via: via}
	if err := s.submitSeats(ctx, ev, op); err != nil {
		return Place{}, err
	}
	return Place{Registration: op.reg, Position: op.position, Existing: op.existed}, nil
}

// Cancel gives up u's seat or waitlist place before the event starts; the
// first on the waitlist takes a freed seat and is told.
func (s *Service) Cancel(ctx context.Context, u User, eventID string) (Registration, error) {
	ev, err := s.Event(ctx, eventID)
	if err != nil {
		return Registration{}, err
	}
	if !s.now().Before(ev.Starts) {
		return Registration{}, ErrEventStarted
	}
	op := &seatOp{kind: opCancel, nip: u.NIP}
	if err := s.submitSeats(ctx, ev, op); err != nil {
		return Registration{}, err
	}
	if op.status == "" {
		return Registration{}, ErrNotRegistered
	}
	return op.reg, nil
}

func (s *Service) syncPromoted(ctx context.Context, ev Event, promoted []seatEntry, rev int64) error {
	for _, e := range promoted {
		if _, err := s.syncRegistration(ctx, ev, e, RegRegistered, rev); err != nil {
			return err
		}
	}
	return nil
}

// setSeatCapacity changes the capacity the seats document enforces:
// never below the seats taken; a rise promotes from the waitlist.
func (s *Service) setSeatCapacity(ctx context.Context, ev Event, capacity int) error {
	return s.submitSeats(ctx, ev, &seatOp{kind: opCapacity, capacity: capacity})
}

// EventPlace is nip's place at the event from the seats document: status
// "" if none, and the waitlist position (1 first).
func (s *Service) EventPlace(ctx context.Context, eventID, nip string) (status string, position int, err error) {
	st, err := s.seats(ctx, eventID)
	if err != nil {
		return "", 0, err
	}
	status, i := st.place(nip)
	if status == RegWaitlisted {
		position = i + 1
	}
	return status, position, nil
}

// registrationFromSeats repairs a Registration missing after a crash
// between the seats write and its own: ErrNotFound if nip has no place.
func (s *Service) registrationFromSeats(ctx context.Context, eventID, nip string) (Registration, error) {
	st, err := s.seats(ctx, eventID)
	if err != nil {
		return Registration{}, err
	}
	status, i := st.place(nip)
	if status == "" {
		return Registration{}, ErrNotFound
	}
	ev, err := s.Event(ctx, eventID)
	if err != nil {
		return Registration{}, err
	}
	e := st.Seats
	if status == RegWaitlisted {
		e = st.Waitlist
	}
	return s.syncRegistration(ctx, ev, e[i], status, st.Rev)
}

// RegistrationRow is one line of an event's registrations for its
// organisers: the seats in order of arrival, then the waitlist in order.
type RegistrationRow struct {
	Order    int       `json:"order"`
	NIP      string    `json:"nip"`
	Name     string    `json:"name"`
	Unit     string    `json:"unit"`
	Status   string    `json:"status"`
	Position int       `json:"position"`
	Seq      int64     `json:"seq"`
	At       time.Time `json:"registered_at"`
	Promoted time.Time `json:"promoted_at,omitzero"`
	Via      string    `json:"via,omitempty"`
}

// EventRegistrations lists who holds a seat and who waits, for the
// event's organisers (and admins). It reads the seats document, the
// truth, and brings every Registration in line with it on the way.
func (s *Service) EventRegistrations(ctx context.Context, actor User, eventID string) (Event, []RegistrationRow, error) {
	ev, err := s.organisedEvent(ctx, actor, eventID)
	if err != nil {
		return ev, nil, err
	}
	st, err := s.seats(ctx, eventID)
	if err != nil {
		return ev, nil, err
	}
	if err := s.repairRegistrations(ctx, ev, st); err != nil {
		return ev, nil, err
	}
	rows := make([]RegistrationRow, 0, len(st.Seats)+len(st.Waitlist))
	add := func(e seatEntry, status string, position int) error {
		u, err := s.User(ctx, e.NIP)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		rows = append(rows, RegistrationRow{Order: len(rows) + 1, NIP: e.NIP, Name: u.Name, Unit: e.Unit, Status: status,
			Position: position, Seq: e.Seq, At: e.At, Promoted: e.Promoted, Via: e.Via})
		return nil
	}
	for _, e := range st.Seats {
		if err := add(e, RegRegistered, 0); err != nil {
			return ev, nil, err
		}
	}
	for i, e := range st.Waitlist {
		if err := add(e, RegWaitlisted, i+1); err != nil {
			return ev, nil, err
		}
	}
	return ev, rows, nil
}

// repairRegistrations writes the Registrations that differ from the seats
// document: missing or stale ones, and ones still active for people who
// no longer hold a place.
func (s *Service) repairRegistrations(ctx context.Context, ev Event, st eventSeats) error {
	stored := map[string]Registration{}
	for _, status := range []string{RegRegistered, RegWaitlisted} {
		q := docs.Query{Where: []docs.Eq{{Field: "event", Value: ev.ID}, {Field: "status", Value: status}}, Sort: "seq", Limit: 1000}
		for {
			rs, next, err := docs.FindAll[Registration](ctx, s.docs.C(collRegistrations), q)
			if err != nil {
				return mapErr(err, "registrations")
			}
			for _, r := range rs {
				stored[r.User] = r
			}
			if next == "" {
				break
			}
			q.After = next
		}
	}
	for status, list := range map[string][]seatEntry{RegRegistered: st.Seats, RegWaitlisted: st.Waitlist} {
		for _, e := range list {
			r, ok := stored[e.NIP]
			delete(stored, e.NIP)
			if ok && r.Status == status && r.Seq == e.Seq {
				continue
			}
			if _, err := s.syncRegistration(ctx, ev, e, status, st.Rev); err != nil {
				return err
			}
		}
	}
	for _, r := range stored {
		if r.Rev >= st.Rev {
			continue // written after the seats document was read
		}
		e := seatEntry{NIP: r.User, Seq: r.Seq, Unit: r.Unit, Via: r.Via, At: r.At, Promoted: r.Promoted}
		if _, err := s.syncRegistration(ctx, ev, e, RegCancelled, st.Rev); err != nil {
			return err
		}
	}
	return nil
}

// assignEvent is assignOne for an event: the person is registered (a seat
// or the waitlist, in arrival order like anyone), the registration naming
// the assignment. Being registered is all the assignment asks of them, so
// their Assignee record is done at once: attendance is the event's own
// business, and an open record would remind and count them overdue for
// something they cannot do early. A person it reaches after registration
// closed (a later joiner) is left out.
func (s *Service) assignEvent(ctx context.Context, a Assignment, u User) (bool, error) {
	_, err := s.Register(ctx, u, a.Event, a.ID)
	if errors.Is(err, ErrRegistrationClosed) || errors.Is(err, ErrEventCancelled) || errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	as := Assignee{Assignment: a.ID, User: u.NIP, Unit: u.Unit, Title: a.Title, Due: a.Due, Assigned: now, Done: now}
	err = s.docs.C(collAssignees).Insert(ctx, assigneeID(a.ID, u.NIP), &as)
	if errors.Is(err, docs.ErrDuplicate) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(err, "assignee")
	}
	if _, err := s.Notify(ctx, NewNotification{Key: "assign/" + a.ID + "/" + u.NIP + "/new", User: u.NIP, Kind: "assigned",
		Text: msg("notify.assigned", a.Title, a.Due.In(jakarta).Format("2006-01-02")), URL: assignmentURL(a)}); err != nil {
		return true, err
	}
	return true, nil
}
