// The capture client's local store (IndexedDB): every upload waits here
// until the server acknowledges it, so a network drop, a reload or a crash
// loses nothing. Sequence numbers are given out in the same transaction
// that queues the item, so they never repeat or skip.

const DB = 'vigil-capture';

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

export async function open() {
  const req = indexedDB.open(DB, 1);
  req.onupgradeneeded = () => {
    const db = req.result;
    db.createObjectStore('sessions', { keyPath: 'link' });
    const q = db.createObjectStore('queue', { keyPath: 'id', autoIncrement: true });
    q.createIndex('link', 'link');
  };
  return new Store(await request(req));
}

class Store {
  constructor(db) { this.db = db; }

  async session(link) {
    const tx = this.db.transaction('sessions');
    return request(tx.objectStore('sessions').get(link));
  }

  async saveSession(s) {
    const tx = this.db.transaction('sessions', 'readwrite');
    tx.objectStore('sessions').put(s);
    return done(tx);
  }

  // update changes a session record in one transaction (read, change,
  // write), so it never undoes a sequence number enqueue gave out, and
  // returns the record as stored.
  async update(link, change) {
    const tx = this.db.transaction('sessions', 'readwrite');
    const sessions = tx.objectStore('sessions');
    const s = await request(sessions.get(link));
    change(s);
    sessions.put(s);
    await done(tx);
    return s;
  }

  // enqueue gives the item the next sequence number of its stream and
  // queues it, in one transaction. make(seq) returns the item. A held item
  // waits because the connection is down (it counts as sent again on the
  // receipt).
  async enqueue(link, stream, make, held = false) {
    const tx = this.db.transaction(['sessions', 'queue'], 'readwrite');
    const sessions = tx.objectStore('sessions');
    const s = await request(sessions.get(link));
    const seq = s.next[stream] || 0;
    s.next[stream] = seq + 1;
    sessions.put(s);
    const item = make(seq);
    item.link = link;
    item.stream = stream;
    item.seq = seq;
    item.held = held;
    tx.objectStore('queue').add(item);
    await done(tx);
    return seq;
  }

  // oldest returns a session's oldest queued items, in order: at most
  // maxItems, and no more than maxBytes together unless the first alone is.
  async oldest(link, maxItems, maxBytes) {
    const tx = this.db.transaction('queue');
    const items = await request(tx.objectStore('queue').index('link').getAll(IDBKeyRange.only(link), maxItems));
    let n = 1;
    for (let bytes = items.length ? items[0].size || 0 : 0; n < items.length; n++) {
      bytes += items[n].size || 0;
      if (bytes > maxBytes) break;
    }
    return items.slice(0, n);
  }

  async remove(id) {
    const tx = this.db.transaction('queue', 'readwrite');
    tx.objectStore('queue').delete(id);
    return done(tx);
  }

  // acknowledge removes items the server has stored, in one transaction;
  // one that had to wait (the connection dropped, or the page closed
  // before it was sent) is counted, in the same transaction, for the
  // receipt.
  async acknowledge(link, items) {
    const tx = this.db.transaction(['sessions', 'queue'], 'readwrite');
    const q = tx.objectStore('queue');
    for (const it of items) q.delete(it.id);
    const held = items.filter((it) => it.held);
    if (held.length > 0) {
      const sessions = tx.objectStore('sessions');
      const s = await request(sessions.get(link));
      s.resent = s.resent || {};
      for (const it of held) s.resent[it.stream] = (s.resent[it.stream] || 0) + 1;
      sessions.put(s);
    }
    return done(tx);
  }

  // holdAll marks every queued item of a session as waiting (see
  // acknowledge) and returns how many there are.
  async holdAll(link) {
    const tx = this.db.transaction('queue', 'readwrite');
    const q = tx.objectStore('queue');
    const items = await request(q.index('link').getAll(IDBKeyRange.only(link)));
    for (const it of items) {
      if (it.held) continue;
      it.held = true;
      q.put(it);
    }
    await done(tx);
    return items.length;
  }

  // pending counts a session's queued items and their bytes.
  async pending(link) {
    const tx = this.db.transaction('queue');
    const items = await request(tx.objectStore('queue').index('link').getAll(IDBKeyRange.only(link)));
    return { count: items.length, bytes: items.reduce((n, it) => n + (it.size || 0), 0) };
  }

  // renumber moves a stream's queued items down so the first is next: used
  // only when the server is missing items the queue no longer holds.
  async renumber(link, stream, next) {
    const tx = this.db.transaction(['sessions', 'queue'], 'readwrite');
    const q = tx.objectStore('queue');
    const items = (await request(q.index('link').getAll(IDBKeyRange.only(link)))).filter((it) => it.stream === stream);
    items.forEach((it, i) => {
      it.seq = next + i;
      it.path = it.path.replace(/\/\d+$/, '/' + it.seq);
      q.put(it);
    });
    const sessions = tx.objectStore('sessions');
    const s = await request(sessions.get(link));
    s.next[stream] = next + items.length;
    sessions.put(s);
    return done(tx);
  }
}
