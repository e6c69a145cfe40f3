/** The part of jStat's API the statistics tests use as their reference (jstat ships no types). */
declare module 'jstat' {
  interface Continuous {
    pdf(x: number, ...params: number[]): number;
    cdf(x: number, ...params: number[]): number;
    inv(p: number, ...params: number[]): number;
  }
  export const jStat: {
    normal: Continuous;
    studentt: Continuous;
    chisquare: Continuous;
    beta: Continuous;
    ztest(z: number, sides: 1 | 2): number;
    mean(values: number[]): number;
    variance(values: number[], sample?: boolean): number;
  };
}
