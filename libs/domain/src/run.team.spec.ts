import { NOW, USER, given } from '../test/decider-specification';
import { eventDataSchemas } from './events.schema';

const RUN = '22222222-2222-4222-8222-222222222222';
const TEAM = '55555555-5555-4555-8555-555555555555';

describe('run.start with a team', () => {
  it('records the team on RunStarted (the gateway has checked it is one of the caller’s)', () =>
    given()
      .when({
        type: 'run.start',
        data: { runId: RUN, sourceType: 'chat', settings: {}, name: 'n', teamId: TEAM },
      })
      .then([
        {
          type: 'RunStarted',
          data: {
            runId: RUN,
            userId: USER,
            sourceType: 'chat',
            teamId: TEAM,
            name: 'n',
            settings: {},
            variableValues: {},
            brokerValues: {},
            startedAt: NOW,
          },
        },
      ]));

  it('accepts RunStarted with and without teamId in the events schema, and a teamId only as a UUID', () => {
    const data = {
      runId: RUN,
      userId: USER,
      sourceType: 'chat',
      name: 'n',
      settings: {},
      variableValues: {},
      brokerValues: {},
      startedAt: NOW,
    };
    expect(eventDataSchemas.RunStarted.safeParse(data).success).toBe(true);
    expect(eventDataSchemas.RunStarted.safeParse({ ...data, teamId: TEAM }).success).toBe(true);
    expect(eventDataSchemas.RunStarted.safeParse({ ...data, teamId: 'red' }).success).toBe(false);
  });
});
