// Native open / folder / save dialogs, attached to the studio window when it exists.
import type { BaseWindow, Dialog } from 'electron';
import type { Dialogs } from './ipc.ts';

/** What the engine decodes (engine/training/photos.ts IMAGE_EXTENSIONS). */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'gif', 'avif', 'heic', 'heif'];
/** What it encodes (engine/image/encode.ts). */
export const OUTPUT_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff'];

type DialogLike = Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>;

export function nativeDialogs(dialog: DialogLike, window: () => BaseWindow | null): Dialogs {
  const parent = () => window() ?? undefined;
  return {
    async openFiles() {
      const options = {
        title: 'Open photos',
        properties: ['openFile', 'multiSelections'] as ('openFile' | 'multiSelections')[],
        filters: [{ name: 'Photos', extensions: IMAGE_EXTENSIONS }],
      };
      const owner = parent();
      const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
      return result.canceled ? [] : result.filePaths;
    },
    async chooseFolder(title) {
      const options = { title: title ?? 'Choose a folder', properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
      const owner = parent();
      const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
    },
    async saveTarget(defaultPath) {
      const options = {
        title: 'Export',
        defaultPath,
        filters: [{ name: 'Images', extensions: OUTPUT_EXTENSIONS }],
        // No overwrite question: the engine never replaces a file, it writes "name (2).jpg" instead.
        properties: ['createDirectory'] as 'createDirectory'[],
      };
      const owner = parent();
      const result = owner ? await dialog.showSaveDialog(owner, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
  };
}
