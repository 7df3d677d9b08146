import crypto from "node:crypto";
import type { NextFunction, Request, Response } from "express";

/**
 * The Express sketch this project started from (../shared/seeds/express-sketch.md), unchanged but for
 * types and the secret passed in: kept as a control, to show the inputs it answers with 500.
 */
export function sketchMiddleware(expectedSecret: string) {
  return function validateSharedSecret(req: Request, res: Response, next: NextFunction) {
    const secret = req.headers["x-shared-secret"] as string;
    if (!expectedSecret) {
      return res.status(500).json({ error: "Server configuration error" });
    }
    if (!secret) {
      return res.status(401).json({ error: "No secret provided" });
    }
    if (
      secret.length !== expectedSecret.length ||
      !crypto.timingSafeEqual(Buffer.from(secret), Buffer.from(expectedSecret))
    ) {
      return res.status(401).json({ error: "Invalid secret" });
    }
    next();
  };
}
