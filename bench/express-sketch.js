/*
 * Dev-only benchmark file: the Express 5 app of ../../shared/seeds/express-sketch.md ("Secure
 * Express APIs with API Key Authentication"), copied for the HTTP comparison. The middleware and the
 * route are as in the sketch; only the start-up differs: the app is returned instead of listening
 * on PORT, so the benchmark can listen on 127.0.0.1 and a free port. Never part of the library.
 */
const express = require("express");
const crypto = require("crypto");
require("dotenv").config({ quiet: true });

function createExpressSketchApp() {
  const app = express();

  // Middleware to validate shared secret header
  function validateSharedSecret(req, res, next) {
    const secret = req.headers["x-shared-secret"];
    const expectedSecret = process.env.SHARED_SECRET;

    if (!expectedSecret) {
      return res.status(500).json({ error: "Server configuration error" });
    }

    if (!secret) {
      return res.status(401).json({ error: "No secret provided" });
    }

    // Use timing-safe comparison to prevent timing attacks
    if (
      secret.length !== expectedSecret.length ||
      !crypto.timingSafeEqual(Buffer.from(secret), Buffer.from(expectedSecret))
    ) {
      return res.status(401).json({ error: "Invalid secret" });
    }

    next();
  }

  // Example route protected by the middleware
  app.get("/protected", validateSharedSecret, (req, res) => {
    res.json({
      message: "Access granted",
    });
  });

  // Error handling middleware
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- Express needs four parameters
  app.use((err, req, res, next) => {
    console.error(err);
    res.status(500).json({ error: "Internal Server Error" });
  });

  return app;
}

module.exports = { createExpressSketchApp };
