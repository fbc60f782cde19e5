/**
 * The HTTPS approval page: an API Gateway HTTP API in front of the approval-page Lambda.
 *
 * HTTP APIs are HTTPS only, cheap per request, and throttle at the stage, which caps what a
 * leaked or scanned link can cost. Every path goes to the one Lambda, which answers 404 for
 * anything that is not `/r/{id}` so unknown and malformed links look the same. The access log
 * records the route template, never the path, because the path holds the capability id.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { CALLBACK_ROUTE, PAGE_ROUTE, SIGN_IN_ROUTE } from "../core/routes";

export interface ApprovalEndpointArgs {
  /** The approval-page function. */
  functionArn: pulumi.Input<string>;
  functionName: pulumi.Input<string>;
  /** Steady-state requests per second across the API, and the burst above it. */
  throttle: { rateLimit: number; burstLimit: number };
  logRetentionDays: number;
  /** Sign-in on: the sign-in and callback routes too (the `$default` route would reach them anyway; named, they are clear in the access log). */
  signIn?: boolean;
}

export { PAGE_ROUTE };

const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  method: "$context.httpMethod",
  routeKey: "$context.routeKey",
  status: "$context.status",
  responseLength: "$context.responseLength",
  integrationError: "$context.integrationErrorMessage",
});

export class ApprovalEndpoint extends pulumi.ComponentResource {
  /** Base URL with a trailing slash; a page is `${url}r/<id>`. */
  public readonly url: pulumi.Output<string>;
  public readonly api: aws.apigatewayv2.Api;

  constructor(name: string, args: ApprovalEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("parallel-approval:http:ApprovalEndpoint", name, {}, opts);
    if (args.throttle.rateLimit <= 0 || args.throttle.burstLimit <= 0) {
      throw new Error(`${name}: throttle limits must be positive`);
    }

    this.api = new aws.apigatewayv2.Api(
      name,
      { protocolType: "HTTP", description: "Approval pages of the parallel-approval workflow" },
      { parent: this },
    );

    const integration = new aws.apigatewayv2.Integration(
      `${name}-page`,
      {
        apiId: this.api.id,
        integrationType: "AWS_PROXY",
        integrationUri: args.functionArn,
        integrationMethod: "POST",
        payloadFormatVersion: "2.0",
        timeoutMilliseconds: 10000,
      },
      { parent: this },
    );

    const routeKeys: [string, string][] = [
      ["page", `ANY ${PAGE_ROUTE}`],
      ["default", "$default"],
      ...(args.signIn
        ? ([
            ["sign-in", `GET ${SIGN_IN_ROUTE}`],
            ["callback", `GET ${CALLBACK_ROUTE}`],
          ] as [string, string][])
        : []),
    ];
    const routes = routeKeys.map(
      ([key, routeKey]) =>
        new aws.apigatewayv2.Route(
          `${name}-${key}`,
          { apiId: this.api.id, routeKey, target: pulumi.interpolate`integrations/${integration.id}` },
          { parent: this },
        ),
    );

    // API Gateway delivers access logs as vended logs: under /aws/vendedlogs/ they do not grow the
    // account's CloudWatch Logs resource policy (5,120 characters, shared by every delivery).
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html
    // The name is chosen once, at creation: a stack created by 0.1 (auto-named group) keeps its group,
    // since a log group cannot be renamed and a new name would replace it. ignoreChanges makes Pulumi
    // use the state's old value when deciding between update and replace, and the program's value
    // only at creation: https://pulumi.com/docs/iac/concepts/options/ignorechanges
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      { namePrefix: "/aws/vendedlogs/apigateway/parallel-approval-", retentionInDays: args.logRetentionDays },
      { parent: this, ignoreChanges: ["name", "namePrefix"] },
    );

    const stage = new aws.apigatewayv2.Stage(
      `${name}-stage`,
      {
        apiId: this.api.id,
        name: "$default",
        autoDeploy: true,
        defaultRouteSettings: {
          throttlingRateLimit: args.throttle.rateLimit,
          throttlingBurstLimit: args.throttle.burstLimit,
        },
        accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
      },
      { parent: this, dependsOn: routes },
    );

    new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: args.functionName,
        principal: "apigateway.amazonaws.com",
        sourceArn: pulumi.interpolate`${this.api.executionArn}/*`,
      },
      { parent: this },
    );

    this.url = stage.invokeUrl.apply((url) => (url.endsWith("/") ? url : `${url}/`));
    this.registerOutputs({ url: this.url });
  }
}
