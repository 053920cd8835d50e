// cdp.mjs - a headless Chromium driven over the DevTools protocol on a
// pipe (--remote-debugging-pipe: JSON messages ended by NUL, commands on
// fd 3, answers and events on fd 4). Nothing to install but Debian's
// chromium and nodejs.
import { spawn } from 'node:child_process';

export class LaunchError extends Error {}

// launch({binary, profile, args}): a Browser, or a LaunchError when
// Chromium cannot start here (the caller skips).
export async function launch({ binary = 'chromium', profile, args = [] }) {
  const flags = ['--headless=new', '--disable-gpu', '--no-first-run',
    '--no-default-browser-check', '--disable-extensions', '--mute-audio',
    '--remote-debugging-pipe', `--user-data-dir=${profile}`, ...args];
  // Chromium's sandbox refuses to run as root; the test is run as root in
  // the project's containers, and loads only the page under test.
  if (process.getuid && process.getuid() === 0) flags.push('--no-sandbox');
  const proc = spawn(binary, [...flags, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  const b = new Browser(proc);
  await new Promise((resolve, reject) => {
    proc.once('error', (e) => reject(new LaunchError(`${binary}: ${e.message}`)));
    proc.once('exit', (code, sig) => reject(new LaunchError(
      `${binary} exited (${sig || code}) before answering: ${b.stderr.slice(-400)}`)));
    b.send('Browser.getVersion').then(resolve, reject);
  });
  return b;
}

export class Browser {
  constructor(proc) {
    this.proc = proc;
    this.nextId = 1;
    this.waiting = new Map();
    this.listeners = [];
    this.stderr = '';
    this.buf = Buffer.alloc(0);
    proc.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-4000); });
    proc.stdio[4].on('data', (d) => this.receive(d));
    proc.on('exit', () => {
      for (const w of this.waiting.values()) w.reject(new Error(`chromium exited: ${this.stderr.slice(-400)}`));
      this.waiting.clear();
    });
  }

  receive(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    let end;
    while ((end = this.buf.indexOf(0)) >= 0) {
      const msg = JSON.parse(this.buf.subarray(0, end).toString('utf8'));
      this.buf = this.buf.subarray(end + 1);
      if (msg.id && this.waiting.has(msg.id)) {
        const w = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        if (msg.error) w.reject(new Error(`${w.method}: ${msg.error.message}`));
        else w.resolve(msg.result);
      } else if (msg.method) {
        for (const f of this.listeners) f(msg);
      }
    }
  }

  // send(method, params, sessionId): the command's result.
  send(method, params = {}, sessionId) {
    const id = this.nextId++;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, method });
      this.proc.stdio[3].write(`${JSON.stringify(msg)}\0`);
    });
  }

  on(f) {
    this.listeners.push(f);
  }

  // A new page (tab), attached in flat mode.
  async newPage() {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    return new Page(this, sessionId);
  }

  // Close the browser and wait for its process to end.
  async close() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const gone = new Promise((resolve) => this.proc.once('exit', resolve));
    this.send('Browser.close').catch(() => {});
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
}

export class Page {
  constructor(browser, sessionId) {
    this.b = browser;
    this.sessionId = sessionId;
    this.problems = []; // exceptions, console errors, other errors logged
    browser.on((msg) => {
      if (msg.sessionId !== sessionId) return;
      const p = msg.params;
      if (msg.method === 'Runtime.exceptionThrown') {
        const d = p.exceptionDetails;
        this.problems.push(`exception: ${(d.exception && d.exception.description) || d.text}`);
      } else if (msg.method === 'Runtime.consoleAPICalled' && p.type === 'error') {
        this.problems.push(`console.error: ${p.args.map((a) => a.value ?? a.description).join(' ')}`);
      } else if (msg.method === 'Log.entryAdded' && p.entry.level === 'error' &&
                 p.entry.source !== 'network') {
        // Refused requests are part of the test (a bad filter's 400) and
        // a missing page part stops the page anyway; the rest counts
        // (a Content-Security-Policy violation, for one).
        this.problems.push(`log: ${p.entry.text} ${p.entry.url || ''}`);
      }
    });
  }

  send(method, params) {
    return this.b.send(method, params, this.sessionId);
  }

  async open(url, viewport) {
    await this.send('Runtime.enable');
    await this.send('Page.enable');
    await this.send('Log.enable');
    await this.send('Emulation.setDeviceMetricsOverride',
      { width: viewport.width, height: viewport.height, deviceScaleFactor: 1, mobile: false });
    const r = await this.send('Page.navigate', { url });
    if (r.errorText) throw new Error(`loading ${url}: ${r.errorText}`);
  }

  // The value of a JavaScript expression in the page (awaited).
  async eval(expr) {
    const r = await this.send('Runtime.evaluate',
      { expression: expr, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) {
      throw new Error(`in the page: ${(r.exceptionDetails.exception && r.exceptionDetails.exception.description) || r.exceptionDetails.text}`);
    }
    return r.result.value;
  }

  // Poll EXPR until it is truthy; its value, or an Error naming WHAT.
  async waitFor(what, expr, seconds = 20) {
    const end = Date.now() + seconds * 1000;
    for (;;) {
      const v = await this.eval(expr);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // A real mouse click in the middle of the element SELECTOR.
  async click(selector) {
    const box = await this.eval(`(() => {
      const e = document.querySelector(${JSON.stringify(selector)});
      if (!e) return null;
      e.scrollIntoView({block: 'center'});
      const r = e.getBoundingClientRect();
      return {x: r.x + r.width / 2, y: r.y + r.height / 2};
    })()`);
    if (!box) throw new Error(`no element ${selector} to click`);
    for (const type of ['mousePressed', 'mouseReleased']) {
      await this.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
    }
  }

  // Click into SELECTOR, select what it holds and type TEXT over it.
  async type(selector, text) {
    await this.click(selector);
    await this.eval(`document.querySelector(${JSON.stringify(selector)}).select()`);
    await this.send('Input.insertText', { text });
  }

  async press(key, code, keyCode) {
    const base = { key, code, windowsVirtualKeyCode: keyCode, nativeVirtualKeyCode: keyCode };
    await this.send('Input.dispatchKeyEvent', { type: 'keyDown', ...base, text: key === 'Enter' ? '\r' : undefined });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', ...base });
  }

  async screenshot() {
    const { data } = await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    return Buffer.from(data, 'base64');
  }
}
