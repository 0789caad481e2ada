// Connected components of a binary mask (8-connectivity): a label per pixel and each blob's size and box.
import { scratchArray } from './scratch.ts';

export interface Component {
  label: number; // 1-based, the value in `labels`
  area: number; // pixels
  x0: number; // inclusive pixel bounds
  y0: number;
  x1: number;
  y1: number;
}

export interface Components {
  labels: Int32Array; // (height, width): 0 = not in the mask, else the component's label
  components: Component[]; // components[k] has label k + 1
}

/**
 * Labels the 8-connected blobs of `mask` (1 = set), flood-filling with one reused queue. `labelsKey`: labels in
 * a scratch array under that key (see scratch.ts), for a caller done with them before the next such call.
 */
export function labelComponents(mask: Uint8Array, width: number, height: number, labelsKey?: string): Components {
  const labels = labelsKey ? scratchArray(labelsKey, Int32Array, width * height) : new Int32Array(width * height);
  const queue = scratchArray('components.queue', Int32Array, width * height);
  const components: Component[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const label = components.length + 1;
    const c: Component = { label, area: 0, x0: width, y0: height, x1: -1, y1: -1 };
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    labels[start] = label;
    while (head < tail) {
      const i = queue[head++];
      const x = i % width;
      const y = (i - x) / width;
      c.area++;
      if (x < c.x0) c.x0 = x;
      if (x > c.x1) c.x1 = x;
      if (y < c.y0) c.y0 = y;
      if (y > c.y1) c.y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (mask[j] && !labels[j]) {
            labels[j] = label;
            queue[tail++] = j;
          }
        }
      }
    }
    components.push(c);
  }
  return { labels, components };
}
