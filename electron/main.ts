// Electron's main process: one sandboxed window showing the built studio (renderer/dist), the
// application menu, native dialogs, the security rules of security.ts, and the engine host in a
// utilityProcess (the heavy tensor work never runs on this thread). The page reaches the engine
// only through the preload's named functions and the checked IPC channels of ipc.ts.
import { app, BrowserWindow, dialog, ipcMain, Menu, session, utilityProcess } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeDialogs } from './dialogs.ts';
import { type HostProcess, UtilityEngineHost } from './host.ts';
import { CHANNELS, registerIpc } from './ipc.ts';
import { menuTemplate } from './menu.ts';
import { appLayout } from './paths.ts';
import { hardenContents, hardenSession, hardenWindowContents, senderGuard, windowWebPreferences } from './security.ts';

export function main(): void {
  // Every renderer sandboxed, whatever its preferences say; before `ready`, so before any await.
  app.enableSandbox();
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  const layout = appLayout({
    distDir: path.dirname(fileURLToPath(import.meta.url)),
    isPackaged: app.isPackaged,
    resourcesPath: process.resourcesPath,
    userData: app.getPath('userData'),
    pictures: app.getPath('pictures'),
  });
  let window: BrowserWindow | null = null;
  const send = (channel: string, payload: unknown) => {
    if (window && !window.isDestroyed()) window.webContents.send(channel, payload);
  };

  const host = new UtilityEngineHost(
    (entry, args) => utilityProcess.fork(entry, args, { serviceName: 'Polychrome engine', stdio: 'inherit' }) as HostProcess,
    layout.hostEntry,
    layout.host,
  );

  app.on('web-contents-created', (_event, contents) => hardenContents(contents));

  registerIpc({
    ipcMain,
    host,
    dialogs: nativeDialogs(dialog, () => window),
    trusted: senderGuard(() => window?.webContents, layout.pageUrl),
    outputDir: layout.outputDir,
    send,
  });

  const about = () => {
    const options = {
      type: 'info' as const,
      title: 'About Polychrome',
      message: `Polychrome ${app.getVersion()}`,
      detail: [
        'A colorization studio built on a conditional invertible neural network (Ardizzone et al., 2020).',
        `Engine backend: ${host.backend ?? 'starting…'}`,
        `Electron ${process.versions.electron ?? '?'} · Chromium ${process.versions.chrome ?? '?'} · Node ${process.versions.node}`,
      ].join('\n'),
    };
    void (window ? dialog.showMessageBox(window, options) : dialog.showMessageBox(options));
  };

  const createWindow = () => {
    window = new BrowserWindow({
      width: 1440,
      height: 900,
      minWidth: 960,
      minHeight: 600,
      title: 'Polychrome',
      show: false,
      backgroundColor: '#1b1b1f',
      webPreferences: windowWebPreferences(layout.preload),
    });
    const current = window;
    hardenWindowContents(current.webContents, layout.pageUrl);
    current.once('ready-to-show', () => current.show());
    current.on('closed', () => {
      if (window === current) window = null;
    });
    if (!existsSync(layout.page)) {
      dialog.showErrorBox('Polychrome is not built', `${layout.page} is missing. Build the studio first (npm run build:renderer), then start again.`);
      app.quit();
      return;
    }
    void current.loadFile(layout.page);
  };

  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => host.stop());

  void app.whenReady().then(() => {
    hardenSession(session.defaultSession);
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({
      navigate: (view) => send(CHANNELS.navigate, view),
      command: (command) => send(CHANNELS.menu, command),
      about,
      quit: () => app.quit(),
    }, { platform: process.platform, developer: !app.isPackaged })));
    host.start();
    host.whenReady().then(
      (backend) => console.log(`Polychrome engine ready · backend: ${backend}`),
      (error: Error) => console.error(`Polychrome: ${error.message}`),
    );
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });
}

main();
