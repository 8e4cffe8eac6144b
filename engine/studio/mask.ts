// Brush masks: strokes in coordinates relative to the photo (0..1 on each axis; the radius is a
// fraction of the photo's width), rasterised at whatever resolution an operation needs.

export interface Stroke {
  /** Points along the stroke, [x, y] in 0..1. */
  points: [number, number][];
  /** Brush radius as a fraction of the photo's width. */
  radius: number;
}

export function validateStrokes(strokes: unknown): Stroke[] {
  if (!Array.isArray(strokes) || strokes.length === 0) throw new Error('a region needs at least one brush stroke');
  for (const stroke of strokes as Stroke[]) {
    if (!stroke || !Array.isArray(stroke.points) || stroke.points.length === 0) throw new Error('every brush stroke needs at least one point');
    if (!(stroke.radius > 0 && stroke.radius <= 1)) throw new Error(`brush radius ${stroke?.radius} is outside (0, 1]`);
    for (const point of stroke.points) {
      if (!Array.isArray(point) || point.length !== 2 || !point.every((v) => Number.isFinite(v))) throw new Error('a brush point must be [x, y] with finite numbers');
    }
  }
  return strokes as Stroke[];
}

/** Distance from (px, py) to the segment a-b. */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Coverage of each pixel in [0, 1] at width x height, with a soft edge `feather` pixels wide. */
export function rasteriseStrokes(strokes: Stroke[], width: number, height: number, feather = 1): Float32Array {
  const mask = new Float32Array(width * height);
  for (const stroke of strokes) {
    const r = stroke.radius * width;
    const points = stroke.points.map(([x, y]) => [x * width, y * height]);
    const segments = points.length === 1 ? [[points[0], points[0]]] : points.slice(1).map((p, i) => [points[i], p]);
    for (const [a, b] of segments) {
      const left = Math.max(0, Math.floor(Math.min(a[0], b[0]) - r - feather));
      const right = Math.min(width - 1, Math.ceil(Math.max(a[0], b[0]) + r + feather));
      const top = Math.max(0, Math.floor(Math.min(a[1], b[1]) - r - feather));
      const bottom = Math.min(height - 1, Math.ceil(Math.max(a[1], b[1]) + r + feather));
      for (let y = top; y <= bottom; y++) {
        for (let x = left; x <= right; x++) {
          const d = segmentDistance(x + 0.5, y + 0.5, a[0], a[1], b[0], b[1]);
          const coverage = feather > 0 ? Math.min(1, Math.max(0, (r + feather - d) / feather)) : d <= r ? 1 : 0;
          const at = y * width + x;
          if (coverage > mask[at]) mask[at] = coverage;
        }
      }
    }
  }
  return mask;
}

/** Whether any point of the cell (row, column) of an h x w grid over the photo lies under a stroke. */
export function cellCovered(strokes: Stroke[], aspect: number, h: number, w: number, row: number, column: number): boolean {
  // Work in units of the photo's width: x in 0..1, y in 0..aspect.
  const left = column / w, right = (column + 1) / w;
  const top = (row / h) * aspect, bottom = ((row + 1) / h) * aspect;
  for (const stroke of strokes) {
    const points = stroke.points.map(([x, y]) => [x, y * aspect]);
    const segments = points.length === 1 ? [[points[0], points[0]]] : points.slice(1).map((p, i) => [points[i], p]);
    for (const [a, b] of segments) {
      // Nearest point of the cell to the segment, found by sampling the segment finely enough.
      const steps = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / (stroke.radius / 2)));
      for (let s = 0; s <= steps; s++) {
        const x = a[0] + ((b[0] - a[0]) * s) / steps, y = a[1] + ((b[1] - a[1]) * s) / steps;
        const dx = Math.max(left - x, 0, x - right), dy = Math.max(top - y, 0, y - bottom);
        if (Math.hypot(dx, dy) <= stroke.radius) return true;
      }
    }
  }
  return false;
}
