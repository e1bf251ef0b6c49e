package targets

// Reading journeys: from a scenario file, with every error at its line.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ragload/ragload/internal/input"
)

// listedEndpoint is where the file lists an endpoint: its item and field
// path, for errors found once the whole file is read.
type listedEndpoint struct {
	item *yaml.Node
	path string
}

// journeys reads journeys: (after the endpoints, whose keys its steps
// name) and checks them against the rules of journeys.
func (p *parser) journeys(n *yaml.Node, sc *Scenario) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, "journeys", "expected a list, got %s", kindName(n))
	}
	if len(n.Content) > MaxJourneys {
		return p.errf(n.Content[MaxJourneys], fmt.Sprintf("journeys[%d]", MaxJourneys), "too many journeys: %d, at most %d", len(n.Content), MaxJourneys)
	}
	sc.Journeys = make([]Journey, 0, len(n.Content))
	for i, item := range n.Content {
		path := fmt.Sprintf("journeys[%d]", i)
		j := Journey{Weight: 1}
		err := p.fields(item, path, []string{"name", "weight", "steps"}, func(k string, v *yaml.Node) error {
			f := path + "." + k
			switch k {
			case "name":
				return p.scalar(v, f, &j.Name)
			case "weight":
				if err := p.scalar(v, f, &j.Weight); err != nil {
					return err
				}
				if j.Weight < 1 || j.Weight > MaxJourneyWeight {
					return p.errf(v, f, "%d is out of range: want 1 to %d", j.Weight, MaxJourneyWeight)
				}
			case "steps":
				return p.steps(v, f, &j)
			}
			return nil
		})
		if err != nil {
			return err
		}
		sc.Journeys = append(sc.Journeys, j)
	}
	if len(sc.Journeys) == 0 {
		sc.Journeys = nil // journeys: [] is no journeys
		return nil
	}
	// A step that names a built-in endpoint brings it in, as listing its
	// key does, also when replace_endpoints or vegeta_targets dropped it.
	for _, j := range sc.Journeys {
		for _, st := range j.Steps {
			if _, ok := sc.byKey(st.Endpoint); ok {
				continue
			}
			if e, ok := builtIn(st.Endpoint); ok {
				sc.Endpoints = append(sc.Endpoints, e)
			}
		}
	}
	var je *journeyError
	if err := sc.validateJourneys(); errors.As(err, &je) {
		return p.journeyErr(n, je)
	} else if err != nil {
		return &FileError{File: p.file, Line: n.Line, Field: "journeys", Err: err}
	}
	return nil
}

// journeyErr places a rule a journey breaks at the line of the field it
// names, or of the nearest item that holds it.
func (p *parser) journeyErr(list *yaml.Node, je *journeyError) error {
	at := list
	if je.J < len(list.Content) {
		at = list.Content[je.J]
	}
	if je.Step >= 0 {
		if steps := mapValue(at, "steps"); steps != nil && steps.Kind == yaml.SequenceNode && je.Step < len(steps.Content) {
			at = steps.Content[je.Step]
		}
	}
	if je.Field != "" {
		for _, f := range strings.Split(je.Field, ".") {
			v := mapValue(at, f)
			if v == nil {
				break
			}
			at = v
		}
	}
	msg := je.Error()
	field := strings.TrimSuffix(msg, ": "+je.Err.Error())
	return p.errf(at, field, "%w", je.Err)
}

func (p *parser) steps(n *yaml.Node, path string, j *Journey) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, path, "expected a list of steps such as - endpoint: query, got %s", kindName(n))
	}
	if len(n.Content) > MaxSteps {
		return p.errf(n.Content[MaxSteps], fmt.Sprintf("%s[%d]", path, MaxSteps), "too many steps: %d, at most %d per journey", len(n.Content), MaxSteps)
	}
	for i, item := range n.Content {
		st := Step{Repeat: [2]int{1, 1}}
		if err := p.step(item, fmt.Sprintf("%s[%d]", path, i), &st); err != nil {
			return err
		}
		j.Steps = append(j.Steps, st)
	}
	return nil
}

func (p *parser) step(n *yaml.Node, path string, st *Step) error {
	known := []string{"endpoint", "save", "repeat", "think", "until", "json", "body"}
	if n.Kind != yaml.MappingNode {
		return p.errf(n, path, "expected a mapping such as {endpoint: query}, got %s", kindName(n))
	}
	if mapValue(n, "json") != nil && mapValue(n, "body") != nil {
		return p.errf(mapValue(n, "body"), path+".body", "json and body are mutually exclusive")
	}
	return p.fields(n, path, known, func(k string, v *yaml.Node) error {
		f := path + "." + k
		switch k {
		case "endpoint":
			return p.scalar(v, f, &st.Endpoint)
		case "save":
			return p.saves(v, f, st)
		case "repeat":
			return p.repeat(v, f, st)
		case "think":
			return p.think(v, f, st)
		case "until":
			return p.until(v, f, st)
		case "json":
			if err := p.decode(v, f, &st.JSON); err != nil {
				return err
			}
			if _, err := json.Marshal(st.JSON); err != nil {
				return p.errf(v, f, "cannot be sent as JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
			}
		case "body":
			return p.scalar(v, f, &st.Body)
		}
		return nil
	})
}

// saves reads save: {var: path, …}: a JSON path of the response, or
// header:Name.
func (p *parser) saves(n *yaml.Node, path string, st *Step) error {
	if n.Kind != yaml.MappingNode {
		return p.errf(n, path, "expected a mapping such as {cid: conversation_id}, got %s", kindName(n))
	}
	if len(n.Content)/2 > MaxSaves {
		return p.errf(n.Content[2*MaxSaves], path, "too many saves: %d, at most %d per step", len(n.Content)/2, MaxSaves)
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f := join(path, k.Value)
		if k.Kind != yaml.ScalarNode {
			return p.errf(k, path, "expected a variable name, got %s", kindName(k))
		}
		if prev, dup := seen[k.Value]; dup {
			return p.errf(k, f, "set twice (first on line %d)", prev)
		}
		seen[k.Value] = k.Line
		var from string
		if err := p.scalar(v, f, &from); err != nil {
			return err
		}
		st.Save = append(st.Save, Save{Var: k.Value, From: from})
	}
	return nil
}

// repeat reads a number of runs, or a range of them ("2-4").
func (p *parser) repeat(n *yaml.Node, path string, st *Step) error {
	if n.Kind != yaml.ScalarNode {
		return p.errf(n, path, "want a number or a range such as 2-4, got %s", kindName(n))
	}
	lo, hi, isRange := strings.Cut(n.Value, "-")
	if !isRange {
		hi = lo
	}
	a, errA := strconv.Atoi(strings.TrimSpace(lo))
	b, errB := strconv.Atoi(strings.TrimSpace(hi))
	if errA != nil || errB != nil || (!isRange && n.ShortTag() != "!!int") {
		return p.errf(n, path, "want a number or a range such as 2-4, got %s", input.Quote(n.Value))
	}
	switch {
	case a < 1:
		return p.errf(n, path, "%d: a step runs at least once", a)
	case a > b:
		return p.errf(n, path, "%s: the range goes down", input.Quote(n.Value))
	case b > MaxRepeat:
		return p.errf(n, path, "%d is above the cap of %d", b, MaxRepeat)
	}
	st.Repeat = [2]int{a, b}
	return nil
}

// think reads a pause, or a range of them ("1s-3s").
func (p *parser) think(n *yaml.Node, path string, st *Step) error {
	var txt string
	if err := p.scalar(n, path, &txt); err != nil {
		return err
	}
	lo, hi := txt, txt
	if i := strings.Index(txt[min(1, len(txt)):], "-"); i >= 0 { // not a leading minus
		lo, hi = txt[:i+1], txt[i+2:]
	}
	a, errA := time.ParseDuration(strings.TrimSpace(lo))
	b, errB := time.ParseDuration(strings.TrimSpace(hi))
	switch {
	case errA != nil || errB != nil:
		return p.errf(n, path, "want a duration such as 2s or a range such as 1s-3s, got %s", input.Quote(txt))
	case a < 0 || b < 0:
		return p.errf(n, path, "%s: a pause cannot be negative", input.Quote(txt))
	case a > b:
		return p.errf(n, path, "%s: the range goes down", input.Quote(txt))
	case b > MaxThink:
		return p.errf(n, path, "%s is above the cap of %s", b, MaxThink)
	}
	st.Think = [2]time.Duration{a, b}
	return nil
}

// until reads until: {json, equals, every, within}.
func (p *parser) until(n *yaml.Node, path string, st *Step) error {
	u := &Until{}
	hasEquals := false
	err := p.fields(n, path, []string{"json", "equals", "every", "within"}, func(k string, v *yaml.Node) error {
		f := path + "." + k
		switch k {
		case "json":
			return p.scalar(v, f, &u.JSON)
		case "equals":
			hasEquals = true
			return p.scalar(v, f, &u.Equals)
		}
		var txt string
		if err := p.scalar(v, f, &txt); err != nil {
			return err
		}
		d, err := time.ParseDuration(txt)
		if err != nil || d <= 0 {
			return p.errf(v, f, "want a positive duration such as 500ms or 30s, got %s", input.Quote(txt))
		}
		if k == "every" {
			if d < MinEvery {
				return p.errf(v, f, "%s is below the floor of %s", d, MinEvery)
			}
			u.Every = d
		} else {
			if d > MaxWithin {
				return p.errf(v, f, "%s is above the cap of %s", d, MaxWithin)
			}
			u.Within = d
		}
		return nil
	})
	if err != nil {
		return err
	}
	if u.JSON == "" {
		return p.errf(n, path+".json", "missing (the JSON path of the value to wait for, such as status)")
	}
	if !hasEquals {
		return p.errf(n, path+".equals", "missing (the value to wait for, such as ready)")
	}
	if u.Every == 0 {
		u.Every = DefaultEvery
	}
	if u.Within == 0 {
		u.Within = DefaultWithin
	}
	if u.Every > u.Within {
		at := n
		if v := mapValue(n, "every"); v != nil {
			at = v
		}
		return p.errf(at, path+".every", "%s is longer than within (%s)", u.Every, u.Within)
	}
	st.Until = u
	return nil
}

// outsideVars refuses a variable in an endpoint sent outside journeys,
// at the line of the field that holds it (or of the endpoint's item, or
// none when the file does not list it).
func (p *parser) outsideVars(sc *Scenario) error {
	if len(sc.Journeys) > 0 {
		return nil
	}
	for i := range sc.Endpoints {
		e := &sc.Endpoints[i]
		err := e.outsideVars()
		if err == nil {
			continue
		}
		if l, ok := p.listed[e.Key]; ok {
			return p.fieldErr(l.item, l.path, err)
		}
		return &FileError{File: p.file, Field: fmt.Sprintf("endpoints[%d]", i), Err: err}
	}
	return nil
}
