; naive/fib.asm: recursive Fibonacci as a naive compiler front end emits it.
;
; Definition (benches/RESULTS.md, "Benchmark definitions"), the same as ../fib.asm:
;   fib(n) = n < 2 ? n : fib(n-1) + fib(n-2), 64-bit integers.
;   n = 30 -> 832040, with 2,692,537 calls of fib.
;
;   adead-vm run benches/programs/naive/fib.asm 30     ; prints 832040
;
; The hand-written ../fib.asm branches on the comparison directly and returns from each
; arm. This is the shape of a front end that compiles `cond ? a : b` as an expression:
; the comparison is computed into a register (`slt`) and tested with `jz`, the literal 2
; is materialised where it is used, each arm moves its value into the result register,
; and both arms meet at one `ret`. It exists so that benches/compare.sh can measure what
; the native tier makes of code that nobody tuned (the `adead-naive` column).
;
; main(n) prints fib(n) with print_i64 and halts. Per call of fib: 6 instructions for
; n < 2 (movi, slt, jz, mov, jmp, ret), 9 otherwise; 20,194,029 for fib(30)
; (../fib.asm: 14,808,954).

.import print_i64 params=1

.func main params=1 regs=4
    call r1, fib, r0, 1         ; r1 = fib(n)
    hcall r2, print_i64, r1, 1
    halt
.end

.func fib params=1 regs=8
    movi r1, 2
    slt r2, r0, r1              ; n < 2
    jz r2, recurse
    mov r3, r0                  ; the ternary's value: n
    jmp join
recurse:
    addi r4, r0, -1
    call r5, fib, r4, 1         ; fib(n - 1)
    addi r4, r0, -2
    call r6, fib, r4, 1         ; fib(n - 2)
    add r3, r5, r6              ; the ternary's value: the sum
join:
    ret r3
.end

.export fib
