package sqlite

import (
	"errors"
	"fmt"

	"github.com/truce-project/truce"
	driver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// resultCode returns SQLite's extended result code for err, or 0 if err
// does not come from SQLite. The driver turns extended codes on for every
// connection, so a constraint failure says which constraint kind failed
// (SQLITE_CONSTRAINT_PRIMARYKEY, ..._FOREIGNKEY); its primary code is the
// low byte.
func resultCode(err error) int {
	var e *driver.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// constraint returns the extended code of a constraint failure, and 0 for
// any other error.
func constraint(err error) int {
	if c := resultCode(err); c&0xff == sqlite3.SQLITE_CONSTRAINT {
		return c
	}
	return 0
}

// wrap names the operation that failed. A database still locked by
// another process after busy_timeout becomes EUNAVAILABLE, which callers
// may retry; anything else stays internal.
func wrap(op string, err error) error {
	if resultCode(err)&0xff == sqlite3.SQLITE_BUSY {
		u := truce.Errorf(truce.EUNAVAILABLE, "The projection database is busy; try again later.")
		return fmt.Errorf("sqlite: %s: %w: %w", op, u, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
