// The page's side of the worker protocol (worker.js): one worker per session, calls as promises,
// Argon2id progress as a callback. Logging out ends the worker, and its wasm memory with it.

export class WorkerError extends Error {
  constructor(code, message) {
    super(message || code);
    this.name = 'WorkerError';
    this.code = code;
  }
}

export class Session {
  constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.worker.onmessage = (e) => this.receive(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.fail(new WorkerError('internal', 'the worker stopped: ' + (e.message || 'failed to load')));
    };
  }

  call(op, args, onProgress) {
    if (!this.worker) return Promise.reject(new WorkerError('invalid_argument', 'logged out'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, op, args });
    });
  }

  receive({ id, value, error, progress, fatal }) {
    if (fatal) { this.fail(new WorkerError('internal', fatal)); return; }
    const p = this.pending.get(id);
    if (!p) return;
    if (progress) {
      if (p.onProgress) p.onProgress(progress[0], progress[1]);
      return;
    }
    this.pending.delete(id);
    if (error) p.reject(new WorkerError(error.code, error.message));
    else p.resolve(value);
  }

  fail(err) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  // Log out: the client wipes the keys (client.close()), then the worker and its memory go.
  async end() {
    if (!this.worker) return;
    try { await this.call('close'); } finally {
      this.worker.terminate();
      this.worker = null;
      this.fail(new WorkerError('invalid_argument', 'logged out'));
    }
  }

  // The tab is closing: no time to wait for an answer.
  wipeNow() {
    if (!this.worker) return;
    this.worker.postMessage({ op: 'wipe' });
    this.worker = null;
  }
}
