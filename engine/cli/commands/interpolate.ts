// `polychrome interpolate`: a timeline between samples of one photo, as PNG frames and an animation.
import { type Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { progressBar } from '../progress.ts';
import { positiveNumber, start } from '../shared.ts';
import { openSession } from '../studio-shared.ts';
import { exportTimeline } from '../../studio/timeline.ts';

function seeds(value: string): number[] {
  const list = value.split(',').map((v) => Number(v.trim()));
  if (list.length < 2 || !list.every((v) => Number.isInteger(v) && v >= 0)) throw new InvalidArgumentError(`expected two or more whole numbers separated by commas, got "${value}"`);
  return list;
}

function frameCount(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 2 || parsed > 10_000) throw new InvalidArgumentError(`expected a whole number of frames from 2 to 10000, got "${value}"`);
  return parsed;
}

function longSide(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`expected a size in pixels (0: full size), got "${value}"`);
  return parsed;
}

export function register(program: Command): void {
  program
    .command('interpolate')
    .description('animate between samples of a photo: PNG frames and an animated WebP (or GIF)')
    .argument('<file>', 'photo')
    .requiredOption('--seeds <list>', 'seeds of the keyframe samples, e.g. 3,7,12')
    .requiredOption('--out <dir>', 'output folder')
    .option('--frames <n>', 'number of frames, keyframes included', frameCount, 24)
    .option('--mode <mode>', 'linear or spherical interpolation of z', 'spherical')
    .option('--temperature <t>', 'sampling temperature of the keyframes', positiveNumber, 0.8)
    .option('--size <px>', 'long side of the frames in pixels (0: full size)', longSide, 1024)
    .option('--fps <n>', 'frames per second of the animation', positiveNumber, 12)
    .option('--gif', 'write an animated GIF instead of WebP')
    .option('--model <dir>', 'model folder (default: the shipped default model)')
    .action(async (file: string, options: { seeds: string; out: string; frames: number; mode: string; temperature: number; size: number; fps: number; gif?: boolean; model?: string }) => {
      const keySeeds = seeds(options.seeds);
      if (options.mode !== 'linear' && options.mode !== 'spherical') throw new InvalidArgumentError(`--mode must be linear or spherical, got "${options.mode}"`);
      await start();
      const { session } = await openSession(options.model);
      const photo = await session.open(file);
      const keyframes = session.addSamples(photo.id, keySeeds, options.temperature).map((s) => s.id);
      const bar = progressBar('frames', ' {bar} {percentage}% | {value}/{total}');
      const result = await exportTimeline(session, photo.id, {
        keyframes, frames: options.frames, mode: options.mode, outputDir: options.out, size: options.size, fps: options.fps, animation: options.gif ? 'gif' : 'webp',
      }, (done, total) => bar.update(done, total));
      bar.stop();
      console.log(result.animation);
      console.log(`${result.frames.length} frames in ${path.dirname(result.frames[0])}`);
    });
}
