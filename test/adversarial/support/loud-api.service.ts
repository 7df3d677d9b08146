import type { ServiceSchema } from "moleculer";
import type { ApiSettingsSchema } from "moleculer-web";
import ApiService from "../../../services/api.service";

/** The reference `api` gateway with moleculer-web's request, parameter, response and 4xx logging on. */
const LoudApiService: ServiceSchema<ApiSettingsSchema> = {
  name: "api",
  mixins: [ApiService],
  settings: {
    logRequest: "info",
    logRequestParams: "info",
    logResponse: "info",
    logResponseData: "info",
    log4XXResponses: true,
    logRouteRegistration: "info",
  },
};

export default LoudApiService;
