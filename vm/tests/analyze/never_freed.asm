; Triggers tensor_never_freed: two tensors from one tnew, neither freed (the returned
; value is not a handle).
.func main params=0 regs=8
    movi r0, 0
    movi r1, 2
    movi r2, 5
top:
    tnew r3, r2, 1
    addi r0, r0, 1
    blt r0, r1, top
    movi r0, 0
    ret r0
.end
