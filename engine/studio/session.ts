// The studio's working state: per open photo its conditions (computed once) and per sample its
// latent z, so every operation works by id: sample, re-roll, saturation, region re-roll, ranking,
// ambiguity, colour transfer and interpolation. Pixels are produced by render.ts and export.ts.
import * as tf from '@tensorflow/tfjs';
import type { ColorizationModel } from '../model/colorization-model.ts';
import type { Conditions } from '../flow/network.ts';
import { interpolatePath, type InterpolationMode, type Latent, mixLatents, replaceRegion, scaleLatent, transferFreedom } from './latents.ts';
import { cellCovered, type Stroke, validateStrokes } from './mask.ts';
import { type Plane, readPhoto, type PhotoSource } from './photo.ts';
import { type ChromaLayer, composeLowAb, denormalise } from './render.ts';

export interface RegionLayer {
  /** The sample's z with the entries under the strokes redrawn. */
  latent: Latent;
  strokes: Stroke[];
  seed: number;
}

export interface Sample {
  id: string;
  kind: 'sample' | 'transfer';
  seed: number;
  temperature: number;
  /** Factor on z (the paper's saturation control); 1 leaves the sample as drawn. */
  saturation: number;
  base: Latent;
  regions: RegionLayer[];
  /** Transfers: the reference photo and the per-level freedom used. */
  reference?: { photoId: string; file: string; freedom: number[] };
  /** Decoded layers and the NLL of the sample's z, filled on first use. */
  decoded?: { layers: ChromaLayer[]; bitsPerDim: number };
}

/** A re-roll computed ahead: its seed, z and decoded chroma, for one photo at one setting. */
export interface PreparedReroll {
  photoId: string;
  seed: number;
  temperature: number;
  saturation: number;
  base: Latent;
  decoded: NonNullable<Sample['decoded']>;
}

export interface OpenPhoto {
  id: string;
  source: PhotoSource;
  /** L and the photo itself at loupe size, read when the loupe first shows the photo. */
  loupe?: { plane: Plane; original: string };
  conditions: Conditions;
  samples: Sample[];
}

export interface SampleRequest {
  count: number;
  temperature: number;
  /** Seed of the first sample; the others follow it (seed, seed + 1, ...). */
  seed: number;
}

export interface TransferRequest {
  /** 0: an ordinary sample, 1: the authors' mix (global colour from the reference). */
  strength?: number;
  /** Experts: freedom per latent part, finest first (0: from the reference, 1: free). */
  freedom?: number[];
  seed?: number;
  temperature?: number;
}

/** Latent cells of a 2-D part under the strokes; the ab grid is square, the photo may not be. */
function coveredBy(strokes: Stroke[], aspect: number) {
  return (h: number, w: number, row: number, column: number) => cellCovered(strokes, aspect, h, w, row, column);
}

export class StudioSession {
  private readonly photos = new Map<string, OpenPhoto>();
  private nextPhoto = 1;
  private nextSample = 1;
  /** Seeds for re-rolls when none is given: distinct from the small seeds users type. */
  private nextSeed = 1_000_003;

  constructor(readonly model: ColorizationModel) {}

  get config() {
    return this.model.config;
  }

  async open(file: string): Promise<OpenPhoto> {
    const source = await readPhoto(file, this.config);
    const size = this.config.conditionSize;
    const lightness = tf.tensor4d(source.example.lightness, [1, size, size, 1]);
    const conditions = this.model.conditions(lightness);
    lightness.dispose();
    const photo: OpenPhoto = { id: `p${this.nextPhoto++}`, source, conditions, samples: [] };
    this.photos.set(photo.id, photo);
    return photo;
  }

  photo(id: string): OpenPhoto {
    const photo = this.photos.get(id);
    if (!photo) throw new Error(`no open photo with id "${id}"`);
    return photo;
  }

  sample(photoId: string, sampleId: string): Sample {
    const found = this.photo(photoId).samples.find((s) => s.id === sampleId);
    if (!found) throw new Error(`photo ${photoId} has no sample "${sampleId}"`);
    return found;
  }

  close(photoId: string): void {
    const photo = this.photo(photoId);
    tf.dispose([...photo.conditions.pyramid, photo.conditions.global]);
    this.photos.delete(photoId);
  }

  closeAll(): void {
    for (const id of [...this.photos.keys()]) this.close(id);
  }

  private draw(seed: number, temperature: number): Latent {
    const parts = this.model.drawLatents([seed], temperature);
    const latent = parts.map((t) => t.dataSync() as Float32Array);
    tf.dispose(parts);
    return latent;
  }

  /** Replaces the photo's samples with `count` new ones. */
  drawSamples(photoId: string, request: SampleRequest): Sample[] {
    this.photo(photoId).samples = [];
    return this.addSamples(photoId, Array.from({ length: request.count }, (_, i) => request.seed + i), request.temperature);
  }

  /** Adds one sample per seed to the photo's samples. */
  addSamples(photoId: string, seeds: number[], temperature: number): Sample[] {
    const photo = this.photo(photoId);
    const added = seeds.map((seed) => ({
      id: `s${this.nextSample++}`, kind: 'sample' as const, seed, temperature, saturation: 1, base: this.draw(seed, temperature), regions: [],
    }));
    photo.samples.push(...added);
    this.decode(photo, added);
    return added;
  }

  /**
   * Draws a new z for one sample (same id, new seed). Without a seed, a re-roll computed ahead for
   * this photo at the sample's temperature and saturation is used when there is one.
   */
  reroll(photoId: string, sampleId: string, seed?: number, prepared?: PreparedReroll): Sample {
    const sample = this.sample(photoId, sampleId);
    const ready = seed === undefined && prepared?.photoId === photoId && prepared.temperature === sample.temperature && prepared.saturation === sample.saturation;
    if (ready) {
      Object.assign(sample, { kind: 'sample', seed: prepared.seed, base: prepared.base, regions: [], reference: undefined, decoded: prepared.decoded });
      return sample;
    }
    const next = seed ?? this.nextSeed++;
    Object.assign(sample, { kind: 'sample', seed: next, base: this.draw(next, sample.temperature), regions: [], reference: undefined, decoded: undefined });
    this.decode(this.photo(photoId), [sample]);
    return sample;
  }

  /** The photo's next re-roll, drawn and decoded ahead (while the studio waits for the user). */
  prepareReroll(photoId: string, temperature: number, saturation: number): PreparedReroll {
    const seed = this.nextSeed++;
    const probe: Sample = { id: 'prepared', kind: 'sample', seed, temperature, saturation, base: this.draw(seed, temperature), regions: [] };
    this.decode(this.photo(photoId), [probe]);
    return { photoId, seed, temperature, saturation, base: probe.base, decoded: probe.decoded! };
  }

  setSaturation(photoId: string, sampleId: string, factor: number): Sample {
    if (!(factor >= 0 && factor <= 3)) throw new Error(`saturation ${factor} is outside 0..3`);
    const sample = this.sample(photoId, sampleId);
    sample.saturation = factor;
    sample.decoded = undefined;
    this.decode(this.photo(photoId), [sample]);
    return sample;
  }

  /**
   * Redraws the latent entries under the strokes at every level, keeping the others and the global
   * part; the result is blended in by the mask, so nothing outside it changes.
   */
  rerollRegion(photoId: string, sampleId: string, strokes: Stroke[], seed = this.nextSeed++): Sample {
    const photo = this.photo(photoId);
    const sample = this.sample(photoId, sampleId);
    validateStrokes(strokes);
    const current = this.latentOf(sample, false);
    const fresh = this.draw(seed, sample.temperature);
    const aspect = photo.source.height / photo.source.width;
    const latent = replaceRegion(current, fresh, this.model.flow.latentShapes, coveredBy(strokes, aspect));
    sample.regions.push({ latent, strokes, seed });
    sample.decoded = undefined;
    this.decode(photo, [sample]);
    return sample;
  }

  /** The sample's decoded layers (decoded now if it changed since). */
  layers(photoId: string, sampleId: string): ChromaLayer[] {
    const sample = this.sample(photoId, sampleId);
    this.decode(this.photo(photoId), [sample]);
    return sample.decoded!.layers;
  }

  /** The photo's samples from most to least probable under the model (lowest NLL first). */
  ranked(photoId: string): Sample[] {
    const photo = this.photo(photoId);
    this.decode(photo, photo.samples);
    return [...photo.samples].sort((a, b) => a.decoded!.bitsPerDim - b.decoded!.bitsPerDim);
  }

  /**
   * Spread of the samples' chroma per low-resolution pixel: sqrt(var(a) + var(b)) in CIELAB units,
   * over all samples of the photo. Large where the model is unsure of the colour.
   */
  ambiguity(photoId: string): Float32Array {
    const photo = this.photo(photoId);
    if (photo.samples.length < 2) throw new Error('the ambiguity map needs at least two samples');
    this.decode(photo, photo.samples);
    const size = this.config.chromaSize;
    const all = photo.samples.map((s) => composeLowAb(s.decoded!.layers, size));
    const spread = new Float32Array(size * size);
    for (let p = 0; p < spread.length; p++) {
      let ma = 0, mb = 0, sa = 0, sb = 0;
      for (const ab of all) {
        ma += ab[p * 2];
        mb += ab[p * 2 + 1];
      }
      ma /= all.length;
      mb /= all.length;
      for (const ab of all) {
        sa += (ab[p * 2] - ma) ** 2;
        sb += (ab[p * 2 + 1] - mb) ** 2;
      }
      spread[p] = Math.sqrt((sa + sb) / all.length);
    }
    return spread;
  }

  /** The reference photo's own z: its ab encoded with its own condition. */
  encodeReference(referenceId: string): Latent {
    const reference = this.photo(referenceId);
    if (!reference.source.colour) throw new Error(`${reference.source.file} is a grayscale photo: a colour reference is needed`);
    const size = this.config.chromaSize;
    const chroma = tf.tensor4d(reference.source.example.chroma, [1, size, size, 2]);
    const { latents, logdet } = this.model.encode(chroma, reference.conditions);
    const latent = latents.map((t) => t.dataSync() as Float32Array);
    tf.dispose([chroma, ...latents, logdet]);
    return latent;
  }

  /** Colour transfer: the reference's z mixed per level with a random z, decoded on the target. */
  transfer(targetId: string, referenceId: string, request: TransferRequest = {}): Sample {
    const target = this.photo(targetId);
    const reference = this.photo(referenceId);
    const parts = this.model.flow.latentShapes.length;
    const freedom = request.freedom ?? transferFreedom(parts, request.strength ?? 1);
    const seed = request.seed ?? this.nextSeed++;
    const temperature = request.temperature ?? 1;
    const base = mixLatents(this.draw(seed, temperature), this.encodeReference(referenceId), freedom);
    const sample: Sample = {
      id: `s${this.nextSample++}`, kind: 'transfer', seed, temperature, saturation: 1, base, regions: [],
      reference: { photoId: referenceId, file: reference.source.file, freedom },
    };
    target.samples.push(sample);
    this.decode(target, [sample]);
    return sample;
  }

  /** Latents of an interpolation through the keyframe samples (first and last frame exact). */
  interpolate(photoId: string, keyframeIds: string[], frames: number, mode: InterpolationMode): Latent[] {
    const keyframes = keyframeIds.map((id) => this.latentOf(this.sample(photoId, id), true));
    return interpolatePath(keyframes, frames, mode);
  }

  /** Decodes latents on the photo's condition: ab in CIELAB units and NLL per latent. */
  decodeLatents(photo: OpenPhoto, latents: Latent[]): { ab: Float32Array[]; bitsPerDim: number[] } {
    const size = this.config.chromaSize;
    const batch = latents[0].map((_, part) => tf.tensor2d(concat(latents.map((z) => z[part])), [latents.length, latents[0][part].length]));
    const { chroma, bitsPerDim } = this.model.decode(batch, photo.conditions);
    const values = chroma.dataSync() as Float32Array;
    const bits = Array.from(bitsPerDim.dataSync());
    tf.dispose([...batch, chroma, bitsPerDim]);
    const each = size * size * 2;
    return { ab: latents.map((_, i) => denormalise(this.config, values.subarray(i * each, (i + 1) * each))), bitsPerDim: bits };
  }

  /** The sample's z as shown: the last region layer's (or the base) times its saturation. */
  latentOf(sample: Sample, scaled: boolean): Latent {
    const latent = sample.regions.at(-1)?.latent ?? sample.base;
    return scaled && sample.saturation !== 1 ? scaleLatent(latent, sample.saturation) : latent;
  }

  /** Fills `decoded` of the samples that lack it, in one batch. */
  private decode(photo: OpenPhoto, samples: Sample[]): void {
    const pending = samples.filter((s) => !s.decoded);
    if (pending.length === 0) return;
    const latents = pending.flatMap((s) => [s.base, ...s.regions.map((r) => r.latent)].map((z) => (s.saturation === 1 ? z : scaleLatent(z, s.saturation))));
    const { ab, bitsPerDim } = this.decodeLatents(photo, latents);
    let at = 0;
    for (const sample of pending) {
      const count = 1 + sample.regions.length;
      const layers: ChromaLayer[] = ab.slice(at, at + count).map((values, i) => ({ ab: values, strokes: i === 0 ? undefined : sample.regions[i - 1].strokes }));
      // The NLL of the z the sample shows (its last layer).
      sample.decoded = { layers, bitsPerDim: bitsPerDim[at + count - 1] };
      at += count;
    }
  }
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
