// chart-annotations.js: a Chart.js plugin for what Chart.js has no dataset for:
// the book's reference band (±1.5 points), best-epoch stars, early-stop crosses
// learning-rate-drop triangles and the dashed line where a two-phase transfer
// run unfroze its reused layers. A chart's marks are set on chart.$annotations
// ({bands, markers}) by charts-view.js.
// A run's colour (#rrggbb) at opacity a (also the loss slice's faded epochs).
export function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

export const annotations = {
  id: 'annotations',
  beforeDatasetsDraw(chart) {
    const a = chart.$annotations;
    if (!a?.bands?.length) return;
    const { ctx, chartArea: area, scales: { y } } = chart;
    ctx.save();
    ctx.beginPath(); ctx.rect(area.left, area.top, area.width, area.height); ctx.clip();
    const labelled = [];
    for (const b of a.bands) {
      const top = y.getPixelForValue(b.y1);
      const bottom = y.getPixelForValue(b.y0);
      ctx.fillStyle = alpha(b.color, 0.1);
      ctx.fillRect(area.left, top, area.width, bottom - top);
      ctx.strokeStyle = alpha(b.color, 0.7);
      ctx.setLineDash([2, 3]);
      const mid = y.getPixelForValue(b.y);
      ctx.beginPath(); ctx.moveTo(area.left, mid); ctx.lineTo(area.right, mid); ctx.stroke();
      ctx.setLineDash([]);
      // One label per distinct value, and none crowding another.
      if (labelled.some((l) => Math.abs(l - mid) < 11)) continue;
      labelled.push(mid);
      ctx.fillStyle = alpha(b.color, 0.95);
      ctx.font = '600 10px system-ui, sans-serif';
      ctx.textAlign = 'right';
      ctx.fillText(`book ${b.y}`, area.right - 3, mid - 3);
    }
    ctx.restore();
  },
  afterDatasetsDraw(chart) {
    const a = chart.$annotations;
    if (!a?.markers?.length) return;
    const { ctx, chartArea: area, scales: { x, y } } = chart;
    ctx.save();
    for (const m of a.markers) {
      if (m.kind === 'switch') {
        switchLine(ctx, area, x.getPixelForValue(m.x), m);
        continue;
      }
      const px = x.getPixelForValue(m.x);
      const py = y.getPixelForValue(m.y);
      if (px < area.left - 1 || px > area.right + 1 || py < area.top - 1 || py > area.bottom + 1) continue;
      ctx.fillStyle = m.color;
      ctx.strokeStyle = m.color;
      ctx.lineWidth = 2;
      if (m.kind === 'stop') {
        ctx.setLineDash([4, 3]);
        ctx.lineWidth = 1;
        ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
        ctx.setLineDash([]);
        ctx.lineWidth = 2.5;
        ctx.beginPath(); ctx.moveTo(px - 5, py - 5); ctx.lineTo(px + 5, py + 5); ctx.moveTo(px + 5, py - 5); ctx.lineTo(px - 5, py + 5); ctx.stroke();
      } else if (m.kind === 'drop') {
        ctx.beginPath(); ctx.moveTo(px - 5, py - 9); ctx.lineTo(px + 5, py - 9); ctx.lineTo(px, py - 2); ctx.closePath(); ctx.fill();
      } else if (m.kind === 'best') {
        star(ctx, px, py, 7, 3);
        ctx.fill();
        ctx.strokeStyle = '#fff'; ctx.lineWidth = 1; ctx.stroke();
      }
    }
    ctx.restore();
  },
};

// The switch of a two-phase transfer run: a vertical line between the last
// frozen epoch and the first fine-tuned one, labelled at the top.
function switchLine(ctx, area, px, m) {
  if (px < area.left - 1 || px > area.right + 1) return;
  ctx.strokeStyle = m.color;
  ctx.lineWidth = 1.5;
  ctx.setLineDash([6, 3]);
  ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = m.color;
  ctx.font = '600 10px system-ui, sans-serif';
  ctx.textAlign = px > area.left + area.width / 2 ? 'right' : 'left';
  ctx.fillText('unfrozen', px + (ctx.textAlign === 'left' ? 4 : -4), area.top + 11);
}

function star(ctx, x, y, outer, inner) {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const r = i % 2 ? inner : outer;
    const t = (Math.PI / 5) * i - Math.PI / 2;
    ctx[i ? 'lineTo' : 'moveTo'](x + r * Math.cos(t), y + r * Math.sin(t));
  }
  ctx.closePath();
}
