; sieve.asm: count the primes up to n with the sieve of Eratosthenes.
;
;   adead-vm run examples/sieve.asm 1000000     ; prints 78498
;
; The flags live in a heap block from `alloc` (memory grows as needed).

.func main params=1 regs=12
    mov r11, r0                 ; n
    addi r1, r11, 1             ; n + 1 flags, one byte each
    alloc r2, r1                ; r2 = flags
    movi r3, 1
    mfill r2, r3, r1            ; every flag = 1
    movi r4, 2                  ; i = 2
outer:
    mul r5, r4, r4              ; i * i
    blt r11, r5, count          ; stop when i * i > n
    add r6, r2, r4
    ld8u r7, r6, 0              ; flags[i]
    jz r7, next_i
    mov r8, r5                  ; j = i * i
    movi r9, 0
inner:
    add r6, r2, r8
    st8 r6, 0, r9               ; flags[j] = 0
    add r8, r8, r4              ; j += i
    bge r11, r8, inner          ; while j <= n
next_i:
    addi r4, r4, 1
    jmp outer
count:
    movi r10, 0                 ; primes found
    movi r4, 2
count_loop:
    blt r11, r4, done
    add r6, r2, r4
    ld8u r7, r6, 0
    add r10, r10, r7
    addi r4, r4, 1
    jmp count_loop
done:
    free r2
    hcall r0, print_i64, r10, 1
    halt
.end
