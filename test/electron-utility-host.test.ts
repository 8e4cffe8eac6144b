// The engine host as Electron runs it: the main process's side (UtilityEngineHost: queue until
// ready, grants first, results, events, fatal start, crash and restart) with a fake process, and
// the utility process's side (engine/host/utility-main.ts) with a fake parentPort, in this process
// and as a real child process started from engine/host/utility.js.
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FromHost, HostOptions, ToHost } from '../engine/host/protocol.ts';
import { HOST_OPTIONS_FLAG as UTILITY_FLAG, hostOptionsFromArgs, type ParentPortLike, parentPortChannel, runUtilityHost } from '../engine/host/utility-main.ts';
import { HOST_OPTIONS_FLAG, hostOptionsArg, type HostProcess, UtilityEngineHost } from '../electron/host.ts';

const repo = path.resolve(import.meta.dirname, '..');
const options: HostOptions = { builtInModels: path.join(repo, 'resources', 'models'), userModels: path.join(os.tmpdir(), 'polychrome-no-user-models'), roots: [] };

class FakeProcess extends EventEmitter {
  posted: ToHost[] = [];
  killed = false;
  postMessage(message: ToHost) {
    this.posted.push(message);
  }
  kill() {
    this.killed = true;
    return true;
  }
  say(message: FromHost) {
    this.emit('message', message);
  }
}

function fakeHost() {
  const children: FakeProcess[] = [];
  const host = new UtilityEngineHost((entry, args) => {
    const child = new FakeProcess();
    children.push(child);
    expect(entry).toBe('/app/engine/host/utility.js');
    expect(hostOptionsFromArgs(args)).toEqual(options);
    return child as unknown as HostProcess;
  }, '/app/engine/host/utility.js', options);
  return { host, children };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('UtilityEngineHost (main process side)', () => {
  it('holds grants and calls until the host is ready, grants first, then answers by id', async () => {
    const { host, children } = fakeHost();
    host.grant('/photos');
    const first = host.call('info', {});
    host.grant('/more');
    const second = host.call('closePhoto', { photoId: 'p1' });
    const child = children[0];
    expect(child.posted).toEqual([]);
    child.say({ type: 'ready', backend: 'fake' });
    await expect(host.whenReady()).resolves.toBe('fake');
    expect(child.posted.map((m) => m.type)).toEqual(['grant', 'call', 'grant', 'call']);
    expect(child.posted[0]).toEqual({ type: 'grant', path: '/photos' });
    const [, call1, , call2] = child.posted as Extract<ToHost, { type: 'call' }>[];
    child.say({ type: 'result', id: call2.id, ok: false, error: 'closePhoto: no photo p1' });
    child.say({ type: 'result', id: call1.id, ok: true, value: { model: 'default' } });
    await expect(first).resolves.toEqual({ model: 'default' });
    await expect(second).rejects.toThrow('closePhoto: no photo p1');
    host.grant('/photos');
    expect(child.posted).toHaveLength(4);
    expect(host.granted).toEqual(['/photos', '/more']);
  });

  it('passes events to listeners until they unsubscribe', () => {
    const { host, children } = fakeHost();
    host.start();
    const seen: unknown[] = [];
    const stop = host.onEvent((event) => seen.push(event));
    children[0].say({ type: 'event', event: { type: 'loss', jobId: 'j1', step: 1 } });
    stop();
    children[0].say({ type: 'event', event: { type: 'loss', jobId: 'j1', step: 2 } });
    expect(seen).toEqual([{ type: 'loss', jobId: 'j1', step: 1 }]);
  });

  it('fails waiting calls when the engine cannot start, and tries a fresh process on the next call', async () => {
    const { host, children } = fakeHost();
    host.grant('/photos');
    const call = host.call('info', {});
    const ready = host.whenReady();
    children[0].say({ type: 'fatal', error: 'no model named "default"' });
    await expect(call).rejects.toThrow('the engine could not start: no model named "default"');
    await expect(ready).rejects.toThrow('could not start');
    expect(children[0].killed).toBe(true);
    const again = host.call('info', {});
    expect(children).toHaveLength(2);
    children[1].say({ type: 'ready', backend: 'fake' });
    expect(children[1].posted[0]).toEqual({ type: 'grant', path: '/photos' });
    const retry = children[1].posted[1] as Extract<ToHost, { type: 'call' }>;
    children[1].say({ type: 'result', id: retry.id, ok: true, value: 1 });
    await expect(again).resolves.toBe(1);
  });

  it('fails waiting calls when the process dies, then restarts with every grant', async () => {
    const { host, children } = fakeHost();
    host.grant('/a');
    host.start();
    children[0].say({ type: 'ready', backend: 'fake' });
    host.grant('/b');
    const pending = host.call('sample', { photoId: 'p1', count: 1, temperature: 1, seed: 1 });
    children[0].emit('exit', 134);
    await expect(pending).rejects.toThrow(/stopped unexpectedly \(exit code 134\)/);
    // A late message from the dead process changes nothing.
    children[0].say({ type: 'result', id: 99, ok: true, value: 0 });
    const next = host.call('info', {});
    children[1].say({ type: 'ready', backend: 'fake' });
    expect(children[1].posted.slice(0, 2)).toEqual([{ type: 'grant', path: '/a' }, { type: 'grant', path: '/b' }]);
    const call = children[1].posted[2] as Extract<ToHost, { type: 'call' }>;
    children[1].say({ type: 'result', id: call.id, ok: true, value: 'ok' });
    await expect(next).resolves.toBe('ok');
    const waiting = host.call('info', {});
    host.stop();
    await expect(waiting).rejects.toThrow('the engine was stopped');
    expect(children[1].killed).toBe(true);
    await tick();
  });
});

describe('host options on the command line', () => {
  it('round-trips and is checked', () => {
    expect(HOST_OPTIONS_FLAG).toBe(UTILITY_FLAG);
    const full: HostOptions = { ...options, roots: ['/x y/"quoted"', 'C:\\Users\\ü'], model: 'my model', finetuneBatch: 2 };
    expect(hostOptionsFromArgs(['/usr/bin/electron', 'entry.js', hostOptionsArg(full)])).toEqual(full);
    expect(() => hostOptionsFromArgs([])).toThrow(/missing --host-options/);
    expect(() => hostOptionsFromArgs(['--host-options=!!!'])).toThrow(/not base64 JSON/);
    const encode = (value: unknown) => `--host-options=${Buffer.from(JSON.stringify(value)).toString('base64')}`;
    expect(() => hostOptionsFromArgs([encode({ userModels: '/u', roots: [] })])).toThrow(/builtInModels/);
    expect(() => hostOptionsFromArgs([encode({ ...options, roots: [3] })])).toThrow(/roots/);
    expect(() => hostOptionsFromArgs([encode({ ...options, finetuneBatch: -1 })])).toThrow(/finetuneBatch/);
  });
});

function fakePort() {
  const port = new EventEmitter() as EventEmitter & ParentPortLike & { sent: FromHost[]; deliver(message: unknown): void };
  port.sent = [];
  port.postMessage = (message: unknown) => {
    port.sent.push(message as FromHost);
    port.emit('sent', message);
  };
  port.deliver = (message: unknown) => port.emit('message', { data: message });
  return port;
}

function nextSent(port: ReturnType<typeof fakePort>, test: (message: FromHost) => boolean): Promise<FromHost> {
  const found = port.sent.find(test);
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => {
    const listener = (message: FromHost) => {
      if (!test(message)) return;
      port.off('sent', listener);
      resolve(message);
    };
    port.on('sent', listener);
  });
}

describe('the utility process side (engine/host/utility-main.ts)', () => {
  const services: { dispose(): void }[] = [];
  afterAll(() => {
    for (const service of services) service.dispose();
  });

  it('keeps messages that arrive before the host listens, and ignores foreign ones', () => {
    const port = fakePort();
    const channel = parentPortChannel(port);
    port.deliver({ type: 'grant', path: '/early' });
    port.deliver('garbage');
    port.deliver({ type: 'exec', command: 'rm -rf /' });
    const received: ToHost[] = [];
    channel.onMessage((message) => received.push(message));
    port.deliver({ type: 'call', id: 1, operation: 'info', args: {} });
    expect(received).toEqual([{ type: 'grant', path: '/early' }, { type: 'call', id: 1, operation: 'info', args: {} }]);
    channel.send({ type: 'ready', backend: 'x' });
    expect(port.sent).toEqual([{ type: 'ready', backend: 'x' }]);
  });

  it('reports a bad command line as fatal', async () => {
    const port = fakePort();
    await expect(runUtilityHost(port, ['node', 'utility.js'])).resolves.toBeNull();
    expect(port.sent).toEqual([{ type: 'fatal', error: expect.stringMatching(/missing --host-options/) }]);
  });

  it('reports an engine that cannot load its model as fatal', async () => {
    const port = fakePort();
    await runUtilityHost(port, [hostOptionsArg({ ...options, builtInModels: path.join(os.tmpdir(), 'polychrome-nowhere') })]);
    expect(port.sent).toEqual([{ type: 'fatal', error: expect.stringMatching(/no model named "default"/) }]);
  });

  it('runs the engine with the shipped model and answers calls sent before it was ready', async () => {
    const port = fakePort();
    const running = runUtilityHost(port, [hostOptionsArg(options)]);
    // While the model loads:
    port.deliver({ type: 'call', id: 1, operation: 'info', args: {} });
    port.deliver({ type: 'call', id: 2, operation: 'sample', args: { photoId: 'p1', count: 0, temperature: 1, seed: 1 } });
    port.deliver({ type: 'call', id: 3, operation: 'openPhoto', args: { file: path.join(repo, 'package.json') } });
    expect(port.sent).toEqual([]);
    const service = await running;
    if (service) services.push(service);
    expect(port.sent[0]).toMatchObject({ type: 'ready' });
    const info = await nextSent(port, (m) => m.type === 'result' && m.id === 1);
    expect(info).toMatchObject({ ok: true, value: { model: 'default', models: expect.arrayContaining([expect.objectContaining({ name: 'default', builtIn: true })]) } });
    const refused = await nextSent(port, (m) => m.type === 'result' && m.id === 2);
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/^sample: count: /) });
    // Nothing was granted: paths outside the chosen folders are refused.
    const outside = await nextSent(port, (m) => m.type === 'result' && m.id === 3);
    expect(outside).toMatchObject({ ok: false, error: expect.stringMatching(/outside the folders you chose/) });
  });

  it('boots from engine/host/utility.js in its own process (tsx loader, argv options, parentPort)', async () => {
    // Stands in for Electron's process.parentPort over Node's IPC channel.
    const shim = `process.parentPort = {
      on: (name, listener) => process.on(name, (data) => listener({ data })),
      postMessage: (message) => process.send(message),
    };`;
    const child = fork(path.join(repo, 'engine', 'host', 'utility.js'), [hostOptionsArg(options)], {
      execArgv: ['--import', `data:text/javascript,${encodeURIComponent(shim)}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    try {
      const messages: FromHost[] = [];
      const answer = new Promise<FromHost>((resolve, reject) => {
        child.on('message', (message: FromHost) => {
          messages.push(message);
          if (message.type === 'result') resolve(message);
          if (message.type === 'fatal') reject(new Error(message.error));
        });
        child.on('exit', (code) => reject(new Error(`the host exited with ${code}: ${stderr}`)));
      });
      child.send({ type: 'call', id: 7, operation: 'listModels', args: {} } satisfies ToHost);
      const result = await answer;
      expect(messages[0]).toMatchObject({ type: 'ready', backend: expect.any(String) });
      expect(result).toMatchObject({ type: 'result', id: 7, ok: true, value: expect.arrayContaining([expect.objectContaining({ name: 'default' })]) });
    } finally {
      child.kill();
    }
  });
});
