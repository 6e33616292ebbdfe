; Triggers nothing: the loop sums, one print_i64 after it.
.func main params=0 regs=8
    movi r0, 0
    movi r1, 150
    movi r2, 0
top:
    add r2, r2, r0
    addi r0, r0, 1
    blt r0, r1, top
    hcall r3, print_i64, r2, 1
    movi r0, 0
    ret r0
.end
