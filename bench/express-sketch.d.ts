import type { RequestListener } from "node:http";

/** The Express sketch's app (see express-sketch.js); reads `process.env.SHARED_SECRET` per request. */
export function createExpressSketchApp(): RequestListener;
