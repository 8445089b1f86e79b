package content

import (
	"context"
	"errors"
	"time"

	"github.com/kotalama/kompeten/storage/docs"
)

// The level-1 evaluation of an event: the course evaluation
// (evaluations.go) with an event as its subject. An attendee (present on
// at least one day) rates content, trainer (the speakers) and usefulness
// once the event has ended; it is stored in the same collection, pending,
// and folded into the event's own aggregate by the same exactly-once steps
// and the same pending pass. After an event ends, the evaluation pass
// notifies each attendee once with a link.

// ErrEventNotOver: an event is evaluated after it ends.
var ErrEventNotOver = newError("evaluation.event_not_over", "the event has not ended")

// ErrNotAttended: only people present at the event evaluate it.
var ErrNotAttended = newError("evaluation.not_attended", "not present at the event")

func eventEvalKey(eventID string) string { return "event:" + eventID }

func eventEvaluationID(nip, eventID string) string { return nip + "/" + eventEvalKey(eventID) }

// KindEventEvaluation is the notification asking an attendee to evaluate.
const KindEventEvaluation = "event.evaluation"

// EventEvaluationState says whether u may evaluate the event and whether
// they have.
func (s *Service) EventEvaluationState(ctx context.Context, u User, ev Event) (attended bool, mine *Evaluation, err error) {
	reg, err := s.RegistrationOf(ctx, ev.ID, u.NIP)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return false, nil, err
	}
	attended = err == nil && reg.presentOn(ev) > 0
	var e Evaluation
	_, err = s.docs.C(collEvaluations).Get(ctx, eventEvaluationID(u.NIP, ev.ID), &e)
	if errors.Is(err, docs.ErrNotFound) {
		return attended, nil, nil
	}
	if err != nil {
		return attended, nil, mapErr(err, "evaluation")
	}
	return attended, &e, nil
}

// SubmitEventEvaluation records u's evaluation of an event they attended,
// once, after it ended.
func (s *Service) SubmitEventEvaluation(ctx context.Context, u User, eventID string, in EvaluationInput) (Evaluation, error) {
	ev, err := s.Event(ctx, eventID)
	if err != nil {
		return Evaluation{}, err
	}
	if err := in.validate(); err != nil {
		return Evaluation{}, err
	}
	if s.now().Before(ev.Ends) {
		return Evaluation{}, ErrEventNotOver
	}
	attended, mine, err := s.EventEvaluationState(ctx, u, ev)
	if err != nil {
		return Evaluation{}, err
	}
	if mine != nil {
		return Evaluation{}, ErrEvaluated
	}
	if !attended {
		return Evaluation{}, ErrNotAttended
	}
	e := Evaluation{ID: eventEvaluationID(u.NIP, ev.ID), Event: ev.ID, User: u.NIP, Ratings: in.Ratings,
		Comment: in.Comment, HasComment: in.Comment != "", At: s.now().UTC().Truncate(time.Millisecond), Pending: true}
	err = s.docs.C(collEvaluations).Insert(ctx, e.ID, &e)
	if errors.Is(err, docs.ErrDuplicate) {
		return Evaluation{}, ErrEvaluated
	}
	if err != nil {
		return Evaluation{}, mapErr(err, "evaluation")
	}
	if err := s.foldEvaluation(ctx, e); err != nil {
		// Stored and acknowledged; the pending pass counts it.
		return e, nil
	}
	e.Pending = false
	return e, nil
}

// EventEvaluations reports an event's level-1 results to its organisers:
// means and distributions from the aggregate, the newest comments.
func (s *Service) EventEvaluations(ctx context.Context, u User, eventID string) (EvaluationReport, error) {
	ev, err := s.organisedEvent(ctx, u, eventID)
	if err != nil {
		return EvaluationReport{}, err
	}
	var g evalAgg
	if _, err := s.docs.C(collEvalStats).Get(ctx, eventEvalKey(ev.ID), &g); err != nil && !errors.Is(err, docs.ErrNotFound) {
		return EvaluationReport{}, mapErr(err, "evaluation statistics")
	}
	r := EvaluationReport{Course: ev.ID, Title: ev.Title, Count: g.Count, Means: map[string]float64{},
		Distribution: map[string][]int{}, Comments: []EvaluationComment{}, Ratings: map[string]ratingView{},
		Impact: ImpactSummary{Distribution: make([]int, 5), Notes: []ImpactNote{}}}
	for i, sums := range []ratingSums{g.Content, g.Trainer, g.Usefulness} {
		name := RatingNames[i]
		r.Means[name], r.Distribution[name] = sums.mean(g.Count), sums.dist()
		r.Ratings[name] = ratingView{Mean: r.Means[name], Dist: r.Distribution[name]}
	}
	evs, _, err := docs.FindAll[Evaluation](ctx, s.docs.C(collEvaluations), docs.Query{
		Where: []docs.Eq{{Field: "event", Value: ev.ID}, {Field: "has_comment", Value: true}},
		Sort:  "at", Desc: true, Limit: evaluationPage})
	if err != nil {
		return EvaluationReport{}, mapErr(err, "evaluation comments")
	}
	for _, e := range evs {
		r.Comments = append(r.Comments, EvaluationComment{Text: e.Comment, At: e.At})
	}
	return r, nil
}

// eventAskWindow: events that ended this long ago or less are looked at
// by the pass; older ones were asked about already (or were before this
// feature existed, and are left alone).
const eventAskWindow = 7 * 24 * time.Hour

// AskEventEvaluations notifies the attendees of events that ended
// recently, once per event (Once) and once per person (the notification
// key), with a link to the evaluation. It returns how many it notified.
func (s *Service) AskEventEvaluations(ctx context.Context) (int, error) {
	now := s.now()
	evs, err := s.EventsBetween(ctx, now.Add(-eventAskWindow), now, "")
	if err != nil {
		return 0, err
	}
	asked := 0
	for _, ev := range evs {
		if ev.Ends.After(now) || ev.Status == EventCancelled {
			continue
		}
		_, err := s.Once(ctx, "event-eval-ask/"+ev.ID, 10*time.Minute, func(ctx context.Context) error {
			for _, status := range []string{RegRegistered, RegWaitlisted} {
				after := ""
				for {
					regs, next, err := docs.FindAll[Registration](ctx, s.docs.C(collRegistrations), docs.Query{
						Where: []docs.Eq{{Field: "event", Value: ev.ID}, {Field: "status", Value: status}}, Sort: "seq", Limit: attendanceBatch, After: after})
					if err != nil {
						return mapErr(err, "event evaluation asks")
					}
					for _, r := range regs {
						if r.presentOn(ev) == 0 {
							continue
						}
						made, err := s.Notify(ctx, NewNotification{Key: "event-eval/" + ev.ID + "/" + r.User, User: r.User,
							Kind: KindEventEvaluation, Text: msg("notify.event_evaluation", ev.Title), URL: "/events/" + ev.ID + "/evaluation"})
						if err != nil {
							return err
						}
						if made {
							asked++
						}
					}
					if next == "" {
						break
					}
					after = next
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, ErrOnceBusy) {
			return asked, err
		}
	}
	return asked, nil
}
