"use strict";
require("./check.cjs")(require("moleculer-shared-secret"), "CommonJS require").catch((err) => {
  console.error(err);
  process.exit(1);
});
