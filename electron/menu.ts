// The application menu as a plain template (Menu.buildFromTemplate takes it in main.ts): File,
// Edit, View (the studio's six views on Ctrl/Cmd+1..6), Window, Help. Items that concern the page
// send it a message; the page decides what to do (open the file dialog, export the picked sample).
import type { MenuItemConstructorOptions } from 'electron';

export const VIEWS = [
  { id: 'library', label: 'Library' },
  { id: 'gallery', label: 'Gallery' },
  { id: 'transfer', label: 'Transfer' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'batch', label: 'Batch' },
  { id: 'train', label: 'Train' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];
/** Menu commands the page carries out itself. */
export type MenuCommand = 'open-photos' | 'export';

export interface MenuActions {
  navigate(view: ViewId): void;
  command(command: MenuCommand): void;
  about(): void;
  quit(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Developer tools and reload in the View menu (not in a packaged app). */
  developer: boolean;
  appName?: string;
}

export function menuTemplate(actions: MenuActions, options: MenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const name = options.appName ?? 'Polychrome';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: name,
      submenu: [
        { label: `About ${name}`, click: () => actions.about() },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' },
        { type: 'separator' },
        { label: `Quit ${name}`, accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() },
      ],
    });
  }
  template.push({
    label: 'File',
    submenu: [
      { id: 'open-photos', label: 'Open photos…', accelerator: 'CmdOrCtrl+O', click: () => actions.command('open-photos') },
      { id: 'export', label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => actions.command('export') },
      { type: 'separator' },
      mac ? { role: 'close' } : { id: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() },
    ],
  });
  template.push({ label: 'Edit', submenu: [
    { role: 'undo' }, { role: 'redo' }, { type: 'separator' },
    { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' },
  ] });
  template.push({
    label: 'View',
    submenu: [
      ...VIEWS.map((view, index): MenuItemConstructorOptions => ({
        id: `view-${view.id}`, label: view.label, accelerator: `CmdOrCtrl+${index + 1}`, click: () => actions.navigate(view.id),
      })),
      { type: 'separator' },
      { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(options.developer ? [{ type: 'separator' } as const, { role: 'reload' } as const, { role: 'toggleDevTools' } as const] : []),
    ],
  });
  template.push({ label: 'Window', submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }] });
  template.push({ label: 'Help', role: 'help', submenu: [{ id: 'about', label: `About ${name}`, click: () => actions.about() }] });
  return template;
}
