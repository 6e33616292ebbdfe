; fib.asm: recursive Fibonacci, the call benchmark.
;
; Definition (benches/RESULTS.md, "Benchmark definitions"):
;   fib(n) = n < 2 ? n : fib(n-1) + fib(n-2), 64-bit integers.
;   n = 30 -> 832040, with 2,692,537 calls of fib (every call is made: no memoisation,
;   no accumulator, no inlining of the recursion).
;
;   adead-vm run benches/programs/fib.asm 30       ; prints 832040
;
; main(n) prints fib(n) with print_i64 and halts. Per call of fib: 3 instructions for
; n < 2 (movi, blt, ret), 8 otherwise.

.import print_i64 params=1

.func main params=1 regs=4
    call r1, fib, r0, 1         ; r1 = fib(n)
    hcall r2, print_i64, r1, 1
    halt
.end

.func fib params=1 regs=4
    movi r1, 2
    blt r0, r1, small           ; n < 2: fib(n) = n
    addi r1, r0, -1
    call r2, fib, r1, 1         ; r2 = fib(n - 1)
    addi r1, r0, -2
    call r3, fib, r1, 1         ; r3 = fib(n - 2)
    add r0, r2, r3
small:
    ret r0
.end

.export fib
