/*
 * The seeds' C fib, verbatim, in its own translation unit so that the
 * benchmark driver cannot inline or specialise it: built with plain
 * `gcc -O2`, as the seeds build their shared library.
 */
int fib(int n);

int fib(int n)
{
    if (n < 3) return 1;
    return fib(n - 1) + fib(n - 2);
}
