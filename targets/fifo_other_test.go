//go:build !unix

package targets

import "errors"

func mkfifo(string) error { return errors.New("no named pipes here") }
