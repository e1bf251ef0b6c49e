package targets

// The rules of journeys: what validateJourneys checks of a scenario's
// journeys (the parser places its errors at their lines), and of the
// endpoints sent outside them.

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ragload/ragload/internal/input"
)

// journeyError is a rule a journey breaks: in journey J, step Step (-1:
// the journey itself), field Field ("": the step or journey as a whole).
// The parser places it at its line.
type journeyError struct {
	J, Step int
	Field   string
	Err     error
}

func (e *journeyError) Error() string {
	s := fmt.Sprintf("journeys[%d]", e.J)
	if e.Step >= 0 {
		s += fmt.Sprintf(".steps[%d]", e.Step)
	}
	if e.Field != "" {
		s += "." + e.Field
	}
	return s + ": " + e.Err.Error()
}

func (e *journeyError) Unwrap() error { return e.Err }

// validateJourneys checks the journeys against the rules of journeys: and
// the endpoints sent outside journeys against using variables.
func (s *Scenario) validateJourneys() error {
	if len(s.Journeys) == 0 {
		for i := range s.Endpoints {
			if err := s.Endpoints[i].outsideVars(); err != nil {
				return fmt.Errorf("endpoints[%d].%w", i, err)
			}
		}
		return nil
	}
	if len(s.Journeys) > MaxJourneys {
		return &journeyError{J: MaxJourneys, Step: -1, Err: fmt.Errorf("too many journeys: %d, at most %d", len(s.Journeys), MaxJourneys)}
	}
	names := map[string]int{}
	for j := range s.Journeys {
		if err := s.checkJourney(j, names); err != nil {
			return err
		}
	}
	return nil
}

// outsideVars refuses variables in an endpoint that is sent outside
// journeys (a positive weight, no journeys): nothing saves them.
func (e *Endpoint) outsideVars() error {
	if e.Weight <= 0 {
		return nil
	}
	if vs := e.vars(nil); len(vs) > 0 {
		return fmt.Errorf("%s: {{%s}} is a variable, which only a step of a journey can use (variables are saved by earlier steps of journeys:)", vs[0].where, vs[0].name)
	}
	return nil
}

// checkJourney checks journey j; names holds the names of the journeys
// before it.
func (s *Scenario) checkJourney(j int, names map[string]int) error {
	jn := &s.Journeys[j]
	jerr := func(step int, field, format string, args ...any) error {
		return &journeyError{J: j, Step: step, Field: field, Err: fmt.Errorf(format, args...)}
	}
	if err := checkJourneyName(jn.Name); err != nil {
		return jerr(-1, "name", "%w", err)
	}
	if prev, dup := names[jn.Name]; dup {
		return jerr(-1, "name", "%s is the name of journeys[%d] too", input.Quote(jn.Name), prev)
	}
	names[jn.Name] = j
	if jn.Weight < 0 || jn.Weight > MaxJourneyWeight {
		return jerr(-1, "weight", "%d is out of range: want 1 to %d", jn.Weight, MaxJourneyWeight)
	}
	switch {
	case len(jn.Steps) == 0:
		return jerr(-1, "steps", "a journey needs at least one step")
	case len(jn.Steps) > MaxSteps:
		return jerr(MaxSteps, "", "too many steps: %d, at most %d per journey", len(jn.Steps), MaxSteps)
	}
	saved := map[string]bool{}
	for i := range jn.Steps {
		st := &jn.Steps[i]
		if err := s.checkStep(st); err != nil {
			if je, ok := err.(*journeyError); ok {
				je.J, je.Step = j, i
				return je
			}
			return &journeyError{J: j, Step: i, Err: err}
		}
		e, _ := s.byKey(st.Endpoint)
		for _, u := range e.vars(st) {
			if saved[u.name] {
				continue
			}
			field, in := "", fmt.Sprintf(" (endpoint %s uses it in its %s)", input.Quote(e.Key), u.where)
			if (u.where == "json" && st.JSON != nil) || (u.where == "body" && st.Body != "") {
				field, in = u.where, ""
			}
			return jerr(i, field, "{{%s}} is not saved by an earlier step of journey %s%s", u.name, input.Quote(jn.Name), in)
		}
		for _, sv := range st.Save {
			saved[sv.Var] = true
		}
	}
	return nil
}

// checkStep checks one step on its own; its *journeyError has only Field
// set.
func (s *Scenario) checkStep(st *Step) error {
	ferr := func(field, format string, args ...any) error {
		return &journeyError{Field: field, Err: fmt.Errorf(format, args...)}
	}
	if st.Endpoint == "" {
		return ferr("endpoint", "missing (the key of an endpoint, such as query)")
	}
	if _, ok := s.byKey(st.Endpoint); !ok {
		return ferr("endpoint", "%s is not the key of an endpoint (%s)", input.Quote(st.Endpoint), s.keyList())
	}
	r := st.Repeat
	switch {
	case r == [2]int{}:
	case r[0] < 1:
		return ferr("repeat", "%d: a step runs at least once", r[0])
	case r[0] > r[1]:
		return ferr("repeat", "%d-%d: the range goes down", r[0], r[1])
	case r[1] > MaxRepeat:
		return ferr("repeat", "%d is above the cap of %d", r[1], MaxRepeat)
	}
	t := st.Think
	switch {
	case t[0] < 0 || t[1] < 0:
		return ferr("think", "a pause cannot be negative")
	case t[0] > t[1]:
		return ferr("think", "%s-%s: the range goes down", t[0], t[1])
	case t[1] > MaxThink:
		return ferr("think", "%s is above the cap of %s", t[1], MaxThink)
	}
	if u := st.Until; u != nil {
		every, within := u.defaults()
		switch {
		case u.JSON == "":
			return ferr("until.json", "missing (the JSON path of the value to wait for, such as status)")
		case every < MinEvery:
			return ferr("until.every", "%s is below the floor of %s", every, MinEvery)
		case within < 0 || within > MaxWithin:
			return ferr("until.within", "%s is out of range: want more than 0 and at most %s", within, MaxWithin)
		case every > within:
			return ferr("until.every", "%s is longer than within (%s)", every, within)
		}
	}
	if st.JSON != nil && st.Body != "" {
		return ferr("body", "json and body are mutually exclusive")
	}
	if len(st.Save) > MaxSaves {
		return ferr("save", "too many saves: %d, at most %d per step", len(st.Save), MaxSaves)
	}
	for _, sv := range st.Save {
		if err := checkSave(sv); err != nil {
			return ferr("save."+input.Excerpt(sv.Var), "%w", err)
		}
	}
	return nil
}

// checkSave checks a variable's name and where it comes from.
func checkSave(sv Save) error {
	switch {
	case sv.Var == queryVar:
		return fmt.Errorf("%q is reserved for the question ({{query}}): pick another name", sv.Var)
	case !ValidVarName(sv.Var):
		return fmt.Errorf("%s is not a variable name: want a letter or _, then letters, digits or _, at most 32 in all", input.Quote(sv.Var))
	case sv.From == "":
		return fmt.Errorf("missing the JSON path (or header:Name) to save from")
	}
	if name, ok := strings.CutPrefix(sv.From, headerPrefix); ok && !validHeaderName(name) {
		return fmt.Errorf("%s is not a header name", input.Quote(name))
	}
	return nil
}

// checkJourneyName checks a journey's name: it appears in thresholds
// (journey:NAME:p95<20s) and in short result headers (NAME/instance/step).
func checkJourneyName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("missing (each journey needs a name)")
	case len(name) > MaxJourneyName: // results keeps names of at most this many bytes
		return fmt.Errorf("longer than %d bytes", MaxJourneyName)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }):
		return fmt.Errorf("%s holds a character that is not printable", input.Quote(name))
	case strings.ContainsAny(name, "/:<>"):
		return fmt.Errorf("%s holds one of / : < > (names appear in thresholds and result headers)", input.Quote(name))
	case strings.TrimSpace(name) != name:
		return fmt.Errorf("%s starts or ends with a space", input.Quote(name))
	}
	return nil
}

// validHeaderName reports whether name is an HTTP header name (a token).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// keyList is the endpoint keys for a message: the first ten.
func (s *Scenario) keyList() string {
	var keys []string
	for i, e := range s.Endpoints {
		if i == 10 {
			keys = append(keys, "…")
			break
		}
		keys = append(keys, input.Excerpt(e.Key))
	}
	return "keys: " + strings.Join(keys, ", ")
}
