package render

import (
	"io"

	"github.com/ragload/ragload/results/compare"
)

// A comparison's journeys (compare.Comparison.Journeys) come after its
// endpoints, in a table of their own whose first column is the journey,
// with a note on what its figures are; a comparison without journeys
// renders as before they were compared.

// compareJourneyNote says what the journeys rows of a comparison measure.
const compareJourneyNote = "Journeys: durations in ms of the completed ones, from when the first step was due to the end of the last " +
	"(one U test per journey, as per endpoint); failures are failed / ended (unfinished ones are not judged)."

// writeCompareJourneysText renders the journeys table after the
// endpoints'; nothing without journeys.
func writeCompareJourneysText(w io.Writer, p *printer, c *compare.Comparison) error {
	if len(c.Journeys) == 0 {
		return p.err
	}
	p.printf("\n")
	if p.err != nil {
		return p.err
	}
	if err := compareTableText(w, "Journey", c.Journeys); err != nil {
		return err
	}
	p.printf("%s\n", compareJourneyNote)
	return p.err
}

// writeCompareJourneysMarkdown renders the journeys as
// writeCompareJourneysText does.
func writeCompareJourneysMarkdown(p *printer, c *compare.Comparison) {
	if len(c.Journeys) == 0 {
		return
	}
	p.printf("\n")
	compareTableMarkdown(p, "Journey", c.Journeys)
	p.printf("\n%s\n", mdEscape(compareJourneyNote))
}
