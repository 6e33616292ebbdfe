; Triggers hcall_in_hot_loop: print_i64 on each of 150 iterations.
.func main params=0 regs=8
    movi r0, 0
    movi r1, 150
top:
    hcall r3, print_i64, r0, 1
    addi r0, r0, 1
    blt r0, r1, top
    movi r0, 0
    ret r0
.end
