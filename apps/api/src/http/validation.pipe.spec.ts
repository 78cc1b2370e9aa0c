import { EndpointIn } from '../endpoints/dto/endpoint-in.dto';
import { RequestValidationError, ValidationProblem } from './request-validation.error';
import { SvixValidationPipe } from './validation.pipe';

async function problemsOf(body: unknown): Promise<ValidationProblem[]> {
  try {
    await new SvixValidationPipe().transform(body, { type: 'body', metatype: EndpointIn });
  } catch (error) {
    if (error instanceof RequestValidationError) return error.problems;
    throw error;
  }
  return [];
}

describe(SvixValidationPipe.name, () => {
  it('reports a missing field once, as its first broken rule', async () => {
    expect(await problemsOf({})).toEqual([{ loc: ['body', 'url'], msg: 'url must be a string', type: 'value_error' }]);
  });

  it('reports each broken field once', async () => {
    const problems = await problemsOf({ url: 'ftp://hooks.example.com/', disabled: 'yes', version: 0 });

    expect(problems.map((problem) => problem.loc.join('.'))).toEqual(['body.url', 'body.disabled', 'body.version']);
    expect(problems[0].msg).toBe('url must be an http or https URL');
  });

  // Numeric hosts are URLs; where they point is the target policy's to judge, with the real reason.
  it.each(['http://2130706433/', 'http://0x7f.1/', 'http://169.254.169.254./', 'http://[::ffff:127.0.0.1]/', 'http://localhost:9/'])(
    'leaves %s to the target policy',
    async (url) => {
      expect(await problemsOf({ url })).toEqual([]);
    },
  );
});
