// Package migratedata copies a whole instance from one database to another
// (SQLite to PostgreSQL, or back, or between two of a kind) and proves the
// copy: per table, the row count and a SHA-256 over the rows in primary key
// order, with values normalised, must be equal on both sides.
//
// The copy is schema-driven: tables, columns, keys and foreign keys are read
// from the databases, so a new migration needs no change here (unless it
// adds a table that triggers maintain: see derivedTables). Ids are
// preserved; on PostgreSQL the identity sequences are moved past them.
package migratedata

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// Options of a migration.
type Options struct {
	From, To string // sqlite:///path/pneumatic.db (or a data dir) or postgres://…
	// FilesTo, when set, receives a copy of every uploaded attachment's
	// bytes, read from FilesFrom (default: the files folder beside a
	// SQLite source). Attachment bytes live in the blob store, not the DB.
	FilesFrom, FilesTo string
	Out                io.Writer // progress and the verification summary
}

// TableResult is the verification of one table.
type TableResult struct {
	Name                   string
	SourceRows, TargetRows int64
	SourceSum, TargetSum   string // hex SHA-256
}

// OK is true when counts and checksums are equal.
func (r TableResult) OK() bool {
	return r.SourceRows == r.TargetRows && r.SourceSum == r.TargetSum
}

// Result is what a migration did and verified.
type Result struct {
	Tables    []TableResult
	Sequences int          // PostgreSQL identity sequences reset
	Files     *FilesResult // nil when no files were copied
}

// Rows is the number of rows copied.
func (r *Result) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.TargetRows
	}
	return n
}

// ErrMismatch is returned (wrapped) when the verification fails.
var ErrMismatch = errors.New("verification failed")

// ErrTargetNotEmpty is returned (wrapped) for a target that holds data.
var ErrTargetNotEmpty = errors.New("the target database is not empty")

// conn runs queries on one side, in its transaction or on its pool.
type conn struct {
	q interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	dialect store.Dialect
}

func (c *conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.q.QueryContext(ctx, query, args...)
}

func (c *conn) strings(ctx context.Context, dst *[]string, query string, args ...any) error {
	rows, err := c.q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		*dst = append(*dst, s)
	}
	return rows.Err()
}

// Run migrates the target's schema, refuses a target with data, copies
// every table in one target transaction from one snapshot of the source,
// resets sequences, and verifies. It returns ErrMismatch (wrapped) when a
// table differs, with the Result still filled in.
func Run(ctx context.Context, o Options) (*Result, error) {
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	src, err := parseEndpoint(o.From)
	if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	}
	dst, err := parseEndpoint(o.To)
	if err != nil {
		return nil, fmt.Errorf("--to: %w", err)
	}
	if src == dst {
		return nil, errors.New("--from and --to are the same database")
	}
	fmt.Fprintf(out, "from %s\nto   %s\n", src, dst)
	start := time.Now()

	// The target's schema comes from this binary's migrations, the same way
	// a server would create it (an advisory lock on PostgreSQL).
	sdb, err := store.Open(ctx, dst.storeOptions())
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	err = sdb.Migrate(ctx)
	sdb.Close()
	if err != nil {
		return nil, fmt.Errorf("target: migrate: %w", err)
	}

	srcDB, err := src.open(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	defer srcDB.Close()
	dstDB, err := dst.open(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer dstDB.Close()

	// One snapshot of the source for the copy and its verification: a
	// server still writing to it cannot make the two disagree (stop the
	// servers anyway: what they write after the snapshot is not copied).
	var txo *sql.TxOptions
	if src.dialect == store.Postgres {
		txo = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	srcTx, err := srcDB.BeginTx(ctx, txo)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	defer srcTx.Rollback() //nolint:errcheck // read only
	sc := &conn{q: srcTx, dialect: src.dialect}
	dc := &conn{q: dstDB, dialect: dst.dialect}

	if err := sameVersions(ctx, sc, dc, out); err != nil {
		return nil, err
	}
	srcTables, err := readSchema(ctx, sc)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	dstTables, err := readSchema(ctx, dc)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	tables, err := matchSchemas(srcTables, dstTables)
	if err != nil {
		return nil, err
	}
	if err := requireEmpty(ctx, dc, tables); err != nil {
		return nil, err
	}

	res := &Result{}
	dstTx, err := dstDB.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	tc := &conn{q: dstTx, dialect: dst.dialect}
	for _, t := range tables {
		if derivedTables[t.name] != nil {
			fmt.Fprintf(out, "rebuilt  %-28s by the target's triggers\n", t.name)
			continue
		}
		n, err := copyTable(ctx, sc, tc, t)
		if err != nil {
			dstTx.Rollback() //nolint:errcheck
			return nil, fmt.Errorf("copy %s: %w", t.name, err)
		}
		fmt.Fprintf(out, "copied   %-28s %10d rows\n", t.name, n)
	}
	if dst.dialect == store.Postgres {
		if res.Sequences, err = resetSequences(ctx, tc, tables); err != nil {
			dstTx.Rollback() //nolint:errcheck
			return nil, fmt.Errorf("reset sequences: %w", err)
		}
		fmt.Fprintf(out, "reset    %d identity sequences past the copied ids\n", res.Sequences)
	}
	if err := dstTx.Commit(); err != nil {
		return nil, fmt.Errorf("target: commit: %w", err)
	}

	// Verification reads both sides afresh: the source in the same
	// snapshot, the target as committed.
	fmt.Fprintf(out, "verify   %-28s %10s %10s  %-16s %-16s\n", "table", "source", "target", "source sha256", "target sha256")
	var bad []string
	for _, t := range tables {
		r := TableResult{Name: t.name}
		if r.SourceRows, r.SourceSum, err = checksum(ctx, sc, t); err != nil {
			return nil, fmt.Errorf("verify %s (source): %w", t.name, err)
		}
		if r.TargetRows, r.TargetSum, err = checksum(ctx, dc, t); err != nil {
			return nil, fmt.Errorf("verify %s (target): %w", t.name, err)
		}
		mark := "ok"
		if !r.OK() {
			mark = "MISMATCH"
			bad = append(bad, t.name)
		}
		fmt.Fprintf(out, "verify   %-28s %10d %10d  %-16s %-16s %s\n", t.name, r.SourceRows, r.TargetRows,
			r.SourceSum[:16], r.TargetSum[:16], mark)
		res.Tables = append(res.Tables, r)
	}

	if o.FilesTo != "" {
		from := o.FilesFrom
		if from == "" {
			if src.dialect != store.SQLite {
				return res, errors.New("--files-to needs --files-from when the source is PostgreSQL")
			}
			from = defaultFilesDir(src.path)
		}
		if res.Files, err = copyFiles(ctx, sc, from, o.FilesTo, out); err != nil {
			return res, fmt.Errorf("attachment files: %w", err)
		}
	} else if n, err := countUploaded(ctx, sc); err == nil && n > 0 {
		hint := "the source servers' PNEUMATIC_DATA_DIR/files folder"
		if src.dialect == store.SQLite {
			hint = defaultFilesDir(src.path)
		}
		fmt.Fprintf(out, "note     %d uploaded attachments keep their bytes outside the database: copy %s\n"+
			"         to the target servers' file store (or rerun on an empty target with --files-to)\n", n, hint)
	}

	if len(bad) > 0 {
		fmt.Fprintf(out, "FAILED   %d of %d tables differ: %s\n", len(bad), len(tables), strings.Join(bad, ", "))
		return res, fmt.Errorf("%w: %s", ErrMismatch, strings.Join(bad, ", "))
	}
	fmt.Fprintf(out, "verified %d tables, %d rows: counts and checksums equal on both sides (%s)\n",
		len(tables), res.Rows(), time.Since(start).Round(time.Millisecond))
	return res, nil
}

// sameVersions requires the source to be at this binary's schema version:
// the copy is column for column.
func sameVersions(ctx context.Context, src, dst *conn, out io.Writer) error {
	var sv, dv []string
	if err := src.strings(ctx, &sv, `SELECT version FROM schema_migrations ORDER BY version`); err != nil {
		return fmt.Errorf("source: not a pneumatic database (schema_migrations: %w)", err)
	}
	if err := dst.strings(ctx, &dv, `SELECT version FROM schema_migrations ORDER BY version`); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	if strings.Join(sv, ",") != strings.Join(dv, ",") {
		return fmt.Errorf("the source schema is at [%s], this binary's at [%s]: run `pneumatic migrate` on the source with this binary first",
			strings.Join(sv, " "), strings.Join(dv, " "))
	}
	fmt.Fprintf(out, "schema   %d migrations on both sides (last %s)\n", len(dv), dv[len(dv)-1])
	return nil
}

// requireEmpty refuses a target holding any row: the copy keeps ids, and
// merging two instances is not what this does.
func requireEmpty(ctx context.Context, c *conn, tables []*table) error {
	var n int64
	if err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%w: it already has %d accounts (was a server started on it?)", ErrTargetNotEmpty, n)
	}
	for _, t := range tables {
		var one int
		err := c.q.QueryRowContext(ctx, `SELECT 1 FROM `+ident(t.name)+` LIMIT 1`).Scan(&one)
		if err == nil {
			return fmt.Errorf("%w: table %s has rows", ErrTargetNotEmpty, t.name)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("target: %w", err)
		}
	}
	return nil
}

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func columnList(t *table) string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = ident(c.name)
	}
	return strings.Join(names, ", ")
}

// orderBy sorts by the primary key (every column when there is none) in
// the same order on both databases: text by bytes (PostgreSQL's default
// collation follows the locale; SQLite compares bytes), NULLs first.
func orderBy(c *conn, t *table) string {
	keys := t.pk
	if len(keys) == 0 {
		for _, col := range t.cols {
			keys = append(keys, col.name)
		}
	}
	kinds := map[string]kind{}
	for _, col := range t.cols {
		kinds[col.name] = col.kind
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		p := ident(k)
		if c.dialect == store.Postgres && kinds[k] == kindText {
			p += ` COLLATE "C"`
		}
		parts[i] = p + " NULLS FIRST"
	}
	return " ORDER BY " + strings.Join(parts, ", ")
}

// rowReader scans a table's rows into holders typed by column kind, which
// turns each driver's representation (SQLite's 0/1 booleans, PostgreSQL's
// bool) into one.
type rowReader struct {
	cols []column
	dest []any
}

func newRowReader(cols []column) *rowReader {
	r := &rowReader{cols: cols, dest: make([]any, len(cols))}
	for i, c := range cols {
		switch c.kind {
		case kindInt:
			r.dest[i] = new(sql.NullInt64)
		case kindBool:
			r.dest[i] = new(sql.NullBool)
		case kindFloat:
			r.dest[i] = new(sql.NullFloat64)
		case kindBytes:
			r.dest[i] = new([]byte)
		default:
			r.dest[i] = new(sql.NullString)
		}
	}
	return r
}

// value is column i of the last scanned row, as a driver argument.
func (r *rowReader) value(i int) any {
	switch d := r.dest[i].(type) {
	case *sql.NullInt64:
		if d.Valid {
			return d.Int64
		}
	case *sql.NullBool:
		if d.Valid {
			return d.Bool
		}
	case *sql.NullFloat64:
		if d.Valid {
			return d.Float64
		}
	case *[]byte:
		if *d != nil {
			return *d
		}
	case *sql.NullString:
		if d.Valid {
			return d.String
		}
	}
	return nil
}

// encode appends the normalised form of the last scanned row: a tag per
// value and lengths before variable data, so no two rows encode alike.
func (r *rowReader) encode(b []byte) []byte {
	for i := range r.cols {
		switch v := r.value(i).(type) {
		case nil:
			b = append(b, 'N')
		case int64:
			b = append(b, 'I')
			b = strconv.AppendInt(b, v, 10)
			b = append(b, ';')
		case bool:
			b = append(b, 'B', '0')
			if v {
				b[len(b)-1] = '1'
			}
		case float64:
			b = append(b, 'F')
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
			b = append(b, ';')
		case []byte:
			b = append(b, 'X')
			b = strconv.AppendInt(b, int64(len(v)), 10)
			b = append(b, ':')
			b = append(b, v...)
		case string:
			b = append(b, 'S')
			b = strconv.AppendInt(b, int64(len(v)), 10)
			b = append(b, ':')
			b = append(b, v...)
		}
	}
	return append(b, '\n')
}

// pgText tells whether PostgreSQL's text type can hold s.
func pgText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// key describes the last scanned row by its primary key.
func (r *rowReader) key(t *table) string {
	var parts []string
	for _, k := range t.pk {
		for i, c := range r.cols {
			if c.name == k {
				parts = append(parts, fmt.Sprintf("%s=%v", k, r.value(i)))
			}
		}
	}
	if len(parts) == 0 {
		return "(no primary key)"
	}
	return strings.Join(parts, ",")
}

// copyTable streams a table from src into dst in multi-row INSERTs.
func copyTable(ctx context.Context, src, dst *conn, t *table) (int64, error) {
	rows, err := src.QueryContext(ctx, `SELECT `+columnList(t)+` FROM `+ident(t.name)+orderBy(src, t))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	// Both databases bind $n; stay well under their parameter limits
	// (SQLite 32766, PostgreSQL 65535).
	per := min(500, 30000/len(t.cols))
	insert := func(n int) string {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO ` + ident(t.name) + ` (` + columnList(t) + `) VALUES `)
		p := 1
		for i := 0; i < n; i++ {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j := range t.cols {
				if j > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString("$" + strconv.Itoa(p))
				p++
			}
			sb.WriteByte(')')
		}
		return sb.String()
	}
	full := insert(per)
	r := newRowReader(t.cols)
	args := make([]any, 0, per*len(t.cols))
	var total int64
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		n := len(args) / len(t.cols)
		q := full
		if n != per {
			q = insert(n)
		}
		if _, err := dst.q.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		total += int64(n)
		args = args[:0]
		return nil
	}
	for rows.Next() {
		if err := rows.Scan(r.dest...); err != nil {
			return total, err
		}
		for i := range t.cols {
			v := r.value(i)
			if s, ok := v.(string); ok && dst.dialect == store.Postgres && !pgText(s) {
				// Name the row: PostgreSQL's own error names neither it
				// nor the column.
				return total, fmt.Errorf("row %s: column %s holds text PostgreSQL cannot store (a NUL character or invalid UTF-8); correct it in the source first",
					r.key(t), t.cols[i].name)
			}
			args = append(args, v)
		}
		if len(args) == per*len(t.cols) {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return total, err
	}
	return total, flush()
}

// checksum counts a table's rows and hashes them in key order. A derived
// table's rows are what it counts: its key and SUM(n) over the shards,
// where not 0.
func checksum(ctx context.Context, c *conn, t *table) (int64, string, error) {
	query := `SELECT ` + columnList(t) + ` FROM ` + ident(t.name) + orderBy(c, t)
	cols := t.cols
	if keys := derivedTables[t.name]; keys != nil {
		cols = nil
		var names []string
		for _, k := range keys {
			cols = append(cols, column{k, kindInt})
			names = append(names, ident(k))
		}
		cols = append(cols, column{"n", kindInt})
		list := strings.Join(names, ", ")
		query = `SELECT ` + list + `, CAST(SUM(n) AS BIGINT) FROM ` + ident(t.name) + ` GROUP BY ` + list +
			` HAVING SUM(n) <> 0 ORDER BY ` + list
	}
	rows, err := c.QueryContext(ctx, query)
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	h := sha256.New()
	r := newRowReader(cols)
	var n int64
	var buf []byte
	for rows.Next() {
		if err := rows.Scan(r.dest...); err != nil {
			return n, "", err
		}
		buf = r.encode(buf[:0])
		h.Write(buf)
		n++
	}
	if err := rows.Err(); err != nil {
		return n, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// resetSequences moves every identity/serial sequence past the largest
// copied id, so that the next insert does not collide with a copied row.
func resetSequences(ctx context.Context, c *conn, tables []*table) (int, error) {
	n := 0
	for _, t := range tables {
		for _, col := range t.cols {
			if col.kind != kindInt {
				continue
			}
			var seq sql.NullString
			if err := c.q.QueryRowContext(ctx, `SELECT pg_get_serial_sequence($1, $2)`, ident(t.name), col.name).Scan(&seq); err != nil {
				return n, err
			}
			if !seq.Valid {
				continue
			}
			// is_called=false: the next nextval returns exactly max+1 (1
			// for an empty table).
			if _, err := c.q.ExecContext(ctx, `SELECT setval($1, COALESCE((SELECT MAX(`+ident(col.name)+`) FROM `+ident(t.name)+`), 0) + 1, false)`,
				seq.String); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
