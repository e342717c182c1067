import { util } from '@aws-appsync/utils';

// onSubscribe for /game, /question and /leaderboard: exactly /{namespace}/{gameId}, never a
// wildcard (no one needs every game's channels at once); open to the API key and IAM, but a
// player token (Lambda authorizer identity) only reaches its own game.
export function onSubscribe(ctx) {
  const player = ctx.identity ? ctx.identity.handlerContext : null;
  const segments = ctx.info.channel.segments;
  if (segments.length !== 2 || segments[1] === '*') {
    util.unauthorized();
  }
  if (player && segments[1] !== player.gameId) {
    util.unauthorized();
  }
}
