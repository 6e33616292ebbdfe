; sieve.asm: the sieve of Eratosthenes, several passes over one flag array.
;
; Definition (benches/RESULTS.md, "Benchmark definitions"):
;   allocate flags[0..n] (one byte each); then `passes` times:
;     set every flag to 1;
;     for i = 2 while i*i <= n: if flags[i]: for j = i*i .. n step i: flags[j] = 0
;     count the set flags in 2..n
;   checksum = the sum of the counts.
;   n = 10,000,000, passes = 3 -> 1993737 (664579 per pass)
;
;   adead-vm run benches/programs/sieve.asm 10000000 3   ; prints 1993737
;
; main(n, passes) prints the sum with print_i64 and halts. The flags come from `alloc`
; and are filled with one `mfill`. The loops walk byte addresses (strength-reduced
; j -> &flags[j]): 3 instructions per crossed-out flag, 4 per counted flag; the count
; adds each flag byte (0 or 1), which is `if flags[i]: c++` without a branch.

.import print_i64 params=1

.func main params=2 regs=16
    addi r2, r0, 1              ; n + 1 bytes
    alloc r3, r2                ; r3 = &flags[0]
    add r4, r3, r0              ; r4 = &flags[n], the last flag
    movi r5, 0                  ; total
    movi r6, 0                  ; pass
    movi r7, 1                  ; fill byte
    movi r8, 0                  ; cleared byte
    bge r6, r1, finish          ; passes <= 0
pass:
    mfill r3, r7, r2            ; flags[0..n] = 1
    movi r9, 2                  ; i
    movi r10, 4                 ; i * i
    blt r0, r10, count          ; n < 4: nothing to cross out
outer:
    add r11, r3, r9
    ld8u r12, r11, 0            ; flags[i]
    jz r12, next_i
    add r13, r3, r10            ; p = &flags[i * i]
inner:
    st8 r13, 0, r8              ; *p = 0
    add r13, r13, r9            ; p += i
    bge r4, r13, inner          ; while p <= &flags[n]
next_i:
    addi r9, r9, 1
    mul r10, r9, r9
    bge r0, r10, outer          ; while i * i <= n
count:
    movi r14, 0                 ; c
    addi r13, r3, 2             ; p = &flags[2]
    blt r4, r13, counted        ; n < 2: nothing to count
count_loop:
    ld8u r12, r13, 0
    add r14, r14, r12           ; c += flags[i] (0 or 1)
    addi r13, r13, 1
    bge r4, r13, count_loop     ; while p <= &flags[n]
counted:
    add r5, r5, r14             ; total += c
    addi r6, r6, 1
    blt r6, r1, pass
finish:
    free r3
    hcall r15, print_i64, r5, 1
    halt
.end
