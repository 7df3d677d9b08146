import { describeLeakHunt } from "./support/leak-hunt";

/*
 * The reference app with everything turned up but span meta tags (`tracing.tags.action.meta`): with
 * those on, the gateway's own `api.rest` span and the spans of unprotected actions carry the header
 * (see SECURITY.md, "Known limits").
 */
describeLeakHunt("the reference app, run loud, keeps every secret and presented value to itself", {});
