package prepare

import (
	"fmt"
	"io"
	"strings"
)

// WriteSummary tells what was done: the accounts, the credentials file,
// the uploads, a line each (none for what was not asked). After an error,
// it tells what was done before.
func (r *Result) WriteSummary(w io.Writer) {
	if r.Created+r.Existing > 0 || r.CredentialsFile != "" {
		if r.Created == 0 && r.Existing > 0 { // a second run: nothing was registered
			fmt.Fprintf(w, "checked %s (0 new, %d already existed)", plural(r.Existing, "user"), r.Existing)
		} else {
			fmt.Fprintf(w, "registered %s (%d already existed)", plural(r.Created, "new user"), r.Existing)
		}
		if r.CredentialsFile != "" {
			fmt.Fprintf(w, "; wrote %s (%s", r.CredentialsFile, plural(r.FileUsers, "user"))
			if kept := r.FileUsers - len(r.Credentials); kept > 0 {
				fmt.Fprintf(w, ", %d of them listed before and kept", kept)
			}
			fmt.Fprint(w, ", mode 0600)")
		}
		fmt.Fprintln(w)
	}
	if len(r.Uploaded)+len(r.Skipped) > 0 {
		fmt.Fprintf(w, "uploaded %s (%d already there)", plural(len(r.Uploaded), "document"), len(r.Skipped))
		if len(r.Uploaded) > 0 {
			fmt.Fprint(w, ": "+names(r.Uploaded, 10))
		}
		fmt.Fprintln(w)
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// names joins names, at most limit of them.
func names(names []string, limit int) string {
	if len(names) <= limit {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:limit], ", ") + fmt.Sprintf(", … (%d more)", len(names)-limit)
}
