; fib.asm: recursive Fibonacci.
;
;   adead-asm examples/fib.asm -o fib.bib
;   adead-vm run fib.bib 30       ; prints fib(30) = 832040
;
; main takes n (the command-line argument) in r0. fib is exported, so a host can also
; call it directly.

.import print_i64 params=1      ; print_i64(value): prints a signed integer and a newline

.func main params=1 regs=4
    call r1, fib, r0, 1         ; r1 = fib(r0)
    hcall r2, print_i64, r1, 1
    halt
.end

; fib(n) = n for n < 2, else fib(n - 1) + fib(n - 2)
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
