package prepare

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ragload/ragload/targets/auth"
)

func TestWriteSummary(t *testing.T) {
	var many []string
	for i := range 12 {
		many = append(many, fmt.Sprintf("d%d.md", i))
	}
	for _, c := range []struct {
		res  Result
		want string
	}{
		{Result{Created: 1, Credentials: make([]auth.Credential, 1), CredentialsFile: "c.csv", FileUsers: 3},
			"registered 1 new user (0 already existed); wrote c.csv (3 users, 2 of them listed before and kept, mode 0600)\n"},
		{Result{Existing: 2, Credentials: make([]auth.Credential, 2), CredentialsFile: "c.csv", FileUsers: 2, Skipped: []string{"a"}},
			"checked 2 users (0 new, 2 already existed); wrote c.csv (2 users, mode 0600)\nuploaded 0 documents (1 already there)\n"},
		{Result{Uploaded: many},
			"uploaded 12 documents (0 already there): d0.md, d1.md, d2.md, d3.md, d4.md, d5.md, d6.md, d7.md, d8.md, d9.md, … (2 more)\n"},
		{Result{}, ""},
	} {
		var b strings.Builder
		c.res.WriteSummary(&b)
		if b.String() != c.want {
			t.Errorf("got  %q\nwant %q", b.String(), c.want)
		}
	}
}
