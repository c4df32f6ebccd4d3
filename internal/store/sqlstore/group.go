package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// group commits SQLite's write transactions together. SQLite has one
// writer: transactions run one after the other, and each commit waits for
// its write-ahead log to reach the disk (synchronous=FULL, because an
// upload is acknowledged only once it is durable). Under load that wait,
// not the work, bounds how many uploads a second one server stores.
//
// So InTx's transactions queue here, and one goroutine runs those waiting
// in one SQLite transaction, each inside its own savepoint, and commits
// them with one sync. A transaction whose function fails is rolled back
// to its savepoint and fails alone; the others commit. Every caller learns
// its outcome only after the commit, so what InTx reports as done is on
// disk exactly as before, and a crash loses only transactions nobody was
// told were done.
type group struct {
	s      *Store
	reqs   chan *groupTx
	stop   chan struct{}
	exited chan struct{} // closed when the loop has returned
	done   sync.WaitGroup
	once   sync.Once
}

// maxGroup bounds the transactions of one commit.
const maxGroup = 256

// groupTx is one queued transaction.
type groupTx struct {
	ctx   context.Context
	fn    func(*conn) error
	err   error
	panic any // fn panicked with this: the caller panics with it again
	done  chan struct{}
}

func newGroup(s *Store) *group {
	g := &group{s: s, reqs: make(chan *groupTx, maxGroup), stop: make(chan struct{}), exited: make(chan struct{})}
	g.done.Go(g.loop)
	return g
}

// close stops the loop once the transactions queued have run; closing
// again does nothing.
func (g *group) close() {
	g.once.Do(func() { close(g.stop) })
	g.done.Wait()
}

var errClosed = errors.New("sqlstore: the store is closed")

// run queues fn and waits for its outcome. A transaction whose ctx ends
// before it starts does not run; once it runs, its outcome is waited for.
func (g *group) run(ctx context.Context, fn func(*conn) error) error {
	t := &groupTx{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case g.reqs <- t:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.stop:
		return errClosed
	}
	select {
	case <-t.done:
	case <-g.exited:
		select {
		case <-t.done:
		default:
			return errClosed // queued after the loop had stopped
		}
	}
	if t.panic != nil {
		panic(t.panic)
	}
	return t.err
}

func (g *group) loop() {
	defer close(g.exited)
	for {
		var batch []*groupTx
		select {
		case t := <-g.reqs:
			batch = append(batch, t)
		case <-g.stop:
			for {
				select {
				case t := <-g.reqs: // queued as the store closed
					t.err = errClosed
					close(t.done)
				default:
					return
				}
			}
		}
		// Take what else is waiting, without waiting for more: under load
		// transactions pile up while the last commit syncs.
	more:
		for len(batch) < maxGroup {
			select {
			case t := <-g.reqs:
				batch = append(batch, t)
			default:
				break more
			}
		}
		g.commit(batch)
		for _, t := range batch {
			close(t.done)
		}
		// Between batches the writer's connection is free: prepare what
		// the batch ran unprepared.
		if g.s.writeStmts != nil {
			g.s.writeStmts.prepareWanted(context.Background())
		}
	}
}

// savepoint names each transaction's savepoint.
const savepoint = "vigil_group"

// commit runs a batch in one transaction and commits it.
func (g *group) commit(batch []*groupTx) {
	sqlTx, err := g.s.writer.BeginTx(context.Background(), g.s.d.txOptions(true))
	if err != nil {
		for _, t := range batch {
			t.err = full(fmt.Errorf("sqlstore: begin: %w", err))
		}
		return
	}
	c := &conn{r: sqlTx, w: sqlTx, tx: sqlTx, s: g.s}
	if g.s.writeStmts != nil {
		q := cachedTx{tx: sqlTx, stmts: g.s.writeStmts}
		c.r, c.w = q, q
	}
	var ran []*groupTx
	var broken error
	for _, t := range batch {
		if err := t.ctx.Err(); err != nil {
			t.err = err // its caller gave up before it began
			continue
		}
		if _, err := sqlTx.Exec(`SAVEPOINT ` + savepoint); err != nil {
			broken = err
			break
		}
		t.err = call(t, c)
		// SQLite rolls a whole transaction back on some failures (a full
		// disk, an interrupted write): then the savepoint is gone, and
		// the statements of the next transactions would run outside any.
		// Everything in the batch fails instead.
		var err error
		if t.err != nil {
			_, err = sqlTx.Exec(`ROLLBACK TO ` + savepoint)
		}
		if err == nil {
			_, err = sqlTx.Exec(`RELEASE ` + savepoint)
		}
		if err != nil {
			broken = err
			t.err = errors.Join(t.err, err)
			break
		}
		if t.err == nil {
			ran = append(ran, t)
		}
	}
	if broken != nil {
		_ = sqlTx.Rollback()
		err := full(fmt.Errorf("sqlstore: the transaction of %d queued together was rolled back: %w", len(batch), broken))
		for _, t := range batch {
			if t.err == nil {
				t.err = err
			}
		}
		return
	}
	if err := sqlTx.Commit(); err != nil {
		err = full(fmt.Errorf("sqlstore: commit: %w", err))
		for _, t := range ran {
			t.err = err
		}
	}
}

// call runs t's function, catching a panic to hand to its caller.
func call(t *groupTx, c *conn) (err error) {
	defer func() {
		if p := recover(); p != nil {
			t.panic = p
			err = fmt.Errorf("sqlstore: transaction panicked: %v", p)
		}
	}()
	return t.fn(c)
}
