import { util, runtime } from '@aws-appsync/utils';

// onPublish for /answer/{gameId}, with the answers function as data source.
// A player's answers (Lambda authorizer identity) are refused outside the player's own game,
// stamped with the time the Event API received them (the rules time answers from this stamp,
// so queueing, cold starts and Lambda's retries never count against the player) and handed to
// the answers function asynchronously. They are not broadcast: the presenter's stream gets the
// judged answers, which the function publishes here with IAM - and those are broadcast as they
// are, without invoking anything.
export const onPublish = {
  request(ctx) {
    const player = ctx.identity ? ctx.identity.handlerContext : null;
    if (!player) {
      return runtime.earlyReturn(ctx.events);
    }
    const segments = ctx.info.channel.segments;
    if (segments.length !== 2 || segments[1] !== player.gameId) {
      util.unauthorized();
    }
    return {
      operation: 'Invoke',
      invocationType: 'Event',
      payload: {
        identity: { handlerContext: player },
        info: ctx.info,
        request: { headers: {}, domainName: null },
        receivedAt: util.time.nowEpochMilliSeconds(),
        events: ctx.events,
      },
    };
  },
  response(ctx) {
    return [];
  },
};
