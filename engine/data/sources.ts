// The photographs this project may train on (../shared/DATA.md): Debian packages and, inside each,
// which files are real colour photos (renders, drawings and paintings left out by name).
import path from 'node:path';

export interface PhotoSource {
  /** Debian package, fetched with `apt-get download`. */
  package: string;
  /** Folder inside the package that holds the photos. */
  folder: string;
  /** Which files (path relative to folder) are photos. */
  select: (relative: string) => boolean;
  /** Of files with the same key, only the largest is kept (one resolution per wallpaper). */
  largestOf?: (relative: string) => string;
  /** Files are Qt resource bundles whose images are taken out (gcompris). */
  qtBundles?: { bundles: string[]; minimumBytes: number };
}

/** The photo formats found in these packages. */
export const PHOTO_FILE = /\.(jpe?g|png|webp)$/i;

// Plasma wallpapers that are photographs (the others are renders or paintings).
const PLASMA_PHOTOS = ['BytheWater', 'ColdRipple', 'ColorfulCups', 'DarkestHour', 'EveningGlow', 'FallenLeaf', 'Grey', 'Kite', 'OneStandsOut', 'Path', 'summer_1am'];

export const PHOTO_SOURCES: PhotoSource[] = [
  {
    package: 'endless-sky-high-dpi',
    folder: 'usr/share/games/endless-sky/plugins/endless-sky-high-dpi/images/land',
    select: (f) => /@2x\.jpg$/.test(f),
  },
  {
    package: 'gcompris-qt-data',
    folder: 'usr/share/gcompris-qt/rcc',
    select: (f) => f.endsWith('.rcc'),
    // Bundles of photographs (animals, monuments, tools, sea); small images are icons.
    qtBundles: {
      bundles: ['categorization', 'explore_monuments', 'erase', 'explore_world_animals', 'explore_farm_animals', 'clickgame'],
      minimumBytes: 20_000,
    },
  },
  { package: 'lomiri-wallpapers-16.04', folder: 'usr/share/backgrounds', select: (f) => PHOTO_FILE.test(f) },
  { package: 'lomiri-wallpapers-20.04', folder: 'usr/share/backgrounds', select: (f) => PHOTO_FILE.test(f) && !f.startsWith('Painting-Colors') },
  { package: 'mate-backgrounds', folder: 'usr/share/backgrounds/mate/nature', select: (f) => PHOTO_FILE.test(f) },
  {
    package: 'plasma-workspace-wallpapers',
    folder: 'usr/share/wallpapers',
    select: (f) => PLASMA_PHOTOS.includes(f.split(path.sep)[0]) && f.includes(`contents${path.sep}images${path.sep}`) && PHOTO_FILE.test(f),
    largestOf: (f) => f.split(path.sep)[0],
  },
];
